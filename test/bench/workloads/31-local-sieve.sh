# What a Sieve script costs local delivery: posta-local straight into a Maildir (no queue,
# so the script's share is not hidden by the queue's fsyncs), N messages of 4 KB for a user
# whose active script has 20 typical rules (spam, lists, senders, subjects, a size rule,
# variables, flags; the last rule files the message) against a user without a script,
# alternately. The "peer" column is posta without a script: the ratio is what the script
# leaves of the delivery rate (target >= 0.9, issue 23).
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/posta.sh"
. "$(dirname "$0")/../lib/sieve_bench.sh"
N=$(scale 50 500)
# interleaved N: one delivery with the script, one without, N times, each side's time
# summed on its own, so that the load of the machine (shared, often busy) falls on both
# alike; prints the two rates "SCRIPT NONE"
interleaved() {
  local n=$1 i a b c ts=0 tn=0
  for i in $(seq 1 "$n"); do
    a=${EPOCHREALTIME/[.,]/}
    "$POSTA_BIN/posta-local" sender@bench.test user18@bench.test <"$MSG" >/dev/null 2>&1 || return 1
    b=${EPOCHREALTIME/[.,]/}
    "$POSTA_BIN/posta-local" sender@bench.test user19@bench.test <"$MSG" >/dev/null 2>&1 || return 1
    c=${EPOCHREALTIME/[.,]/}
    ts=$((ts + b - a)) tn=$((tn + c - b))
  done
  awk -v n="$n" -v s="$ts" -v t="$tn" 'BEGIN{printf "%.1f %.1f\n", n * 1e6 / s, n * 1e6 / t}'
}
case $1 in
  check) [ -x "$POSTA_BIN/posta-local" ] ;;
  setup)
    make_msg
    posta_bench_setup || exit 1
    d=$PH/mail/bench.test/user18
    mkdir -p "$d/sieve"
    printf '%s\n' "$SCRIPT" >"$d/sieve/bench.sieve"
    ln -sfn bench.sieve "$d/sieve/active"
    chown -R "$(stat -c %u:%g "$PH")" "$PH/mail/bench.test"
    # one delivery each first: Maildirs and the Bench folder exist before the timing
    interleaved 1 >/dev/null || exit 1
    [ -d "$d/.Bench/new" ] || { echo "the script did not file the message" >&2; exit 1; } ;;
  # the posta step measures both sides; the peer step reports the side without a script
  # of the same interleaved run
  posta) r=$(interleaved "$N") && echo "${r#* }" >"$BENCH_WORK/sieve-none" && echo "${r% *} msg/s 0" ;;
  peer) [ -s "$BENCH_WORK/sieve-none" ] && echo "$(cat "$BENCH_WORK/sieve-none") msg/s 0" && rm -f "$BENCH_WORK/sieve-none" ;;
  teardown) posta_bench_stop ;;
esac
