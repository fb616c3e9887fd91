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
with_script() { "$POSTA_BIN/posta-local" sender@bench.test user18@bench.test <"$MSG" >/dev/null 2>&1; }
without_script() { "$POSTA_BIN/posta-local" sender@bench.test user19@bench.test <"$MSG" >/dev/null 2>&1; }
case $1 in
  check) [ -x "$POSTA_BIN/posta-local" ] ;;
  setup)
    make_msg
    posta_bench_setup || exit 1
    d=$PH/mail/bench.test/user18
    install_script "$d"
    chown -R "$(stat -c %u:%g "$PH")" "$PH/mail/bench.test"
    # one delivery each first: Maildirs and the Bench folder exist before the timing
    time_alternately 1 with_script without_script >/dev/null || exit 1
    [ -d "$d/.Bench/new" ] || { echo "the script did not file the message" >&2; exit 1; } ;;
  posta) posta_side "$N" with_script without_script ;;
  peer) peer_side ;;
  teardown) posta_bench_stop ;;
esac
