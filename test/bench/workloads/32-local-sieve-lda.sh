# Sieve at delivery against Dovecot's: posta-local and Dovecot's LDA (dovecot-lda with
# Pigeonhole's sieve plugin, the script compiled by sievec), each delivering N messages of
# 4 KB straight into a Maildir with the same 20-rule script (lib/sieve_bench.sh), alternately,
# both with fsync. posta-local runs from the command line as the queue runs it; dovecot-lda
# as Postfix's pipe would, its user looked up through a running Dovecot master. The "peer"
# column is dovecot-lda (issue 23).
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/posta.sh"
. "$(dirname "$0")/../lib/dovecot.sh"
. "$(dirname "$0")/../lib/sieve_bench.sh"
N=$(scale 20 500)
# interleaved N: one delivery by posta-local, one by dovecot-lda, N times, each side's time
# summed on its own; prints the two rates "POSTA DOVECOT"
interleaved() {
  local n=$1 i a b c tp=0 td=0
  for i in $(seq 1 "$n"); do
    a=${EPOCHREALTIME/[.,]/}
    "$POSTA_BIN/posta-local" sender@bench.test user17@bench.test <"$MSG" >/dev/null 2>&1 || return 1
    b=${EPOCHREALTIME/[.,]/}
    dovecot_lda sender@bench.test <"$MSG" >/dev/null 2>&1 || return 1
    c=${EPOCHREALTIME/[.,]/}
    tp=$((tp + b - a)) td=$((td + c - b))
  done
  awk -v n="$n" -v p="$tp" -v d="$td" 'BEGIN{printf "%.1f %.1f\n", n * 1e6 / p, n * 1e6 / d}'
}
case $1 in
  check) [ -x "$POSTA_BIN/posta-local" ] && [ -x /usr/lib/dovecot/dovecot-lda ] && command -v sievec ;;
  setup)
    make_msg
    posta_bench_setup || exit 1
    d=$PH/mail/bench.test/user17
    mkdir -p "$d/sieve"
    printf '%s\n' "$SCRIPT" >"$d/sieve/bench.sieve"
    ln -sfn bench.sieve "$d/sieve/active"
    owner=$(stat -c %u:%g "$PH")
    lda_home=$BENCH_WORK/lda-home
    mkdir -p "$lda_home"
    chown -R "$owner" "$PH/mail/bench.test" "$lda_home"
    dovecot_lda_setup "$lda_home" "$d/sieve/bench.sieve" || { cat "$DV/dovecot.log" >&2; exit 1; }
    # one delivery each first: Maildirs and the Bench folders exist before the timing
    interleaved 1 >/dev/null || { tail -5 "$DV/dovecot.log" >&2; exit 1; }
    [ -d "$d/.Bench/new" ] && [ -d "$lda_home/Maildir/.Bench/new" ] ||
      { echo "a script did not file the message" >&2; exit 1; } ;;
  # the posta step measures both sides; the peer step reports dovecot-lda's of the same run
  posta) r=$(interleaved "$N") && echo "${r#* }" >"$BENCH_WORK/sieve-lda" && echo "${r% *} msg/s 0" ;;
  peer) [ -s "$BENCH_WORK/sieve-lda" ] && echo "$(cat "$BENCH_WORK/sieve-lda") msg/s 0" && rm -f "$BENCH_WORK/sieve-lda" ;;
  teardown) dovecot_stop; posta_bench_stop ;;
esac
