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
N=$(scale 10 500)
posta_local() { "$POSTA_BIN/posta-local" sender@bench.test user17@bench.test <"$MSG" >/dev/null 2>&1; }
lda() { dovecot_lda sender@bench.test <"$MSG" >/dev/null 2>&1; }
case $1 in
  check) [ -x "$POSTA_BIN/posta-local" ] && [ -x /usr/lib/dovecot/dovecot-lda ] && command -v sievec ;;
  setup)
    make_msg
    posta_bench_setup || exit 1
    d=$PH/mail/bench.test/user17
    install_script "$d"
    lda_home=$BENCH_WORK/lda-home
    mkdir -p "$lda_home"
    chown -R "$(stat -c %u:%g "$PH")" "$PH/mail/bench.test" "$lda_home"
    dovecot_lda_setup "$lda_home" "$d/sieve/bench.sieve" || { cat "$DV/dovecot.log" >&2; exit 1; }
    # one delivery each first: Maildirs and the Bench folders exist before the timing
    time_alternately 1 posta_local lda >/dev/null || { tail -5 "$DV/dovecot.log" >&2; exit 1; }
    [ -d "$d/.Bench/new" ] && [ -d "$lda_home/Maildir/.Bench/new" ] ||
      { echo "a script did not file the message" >&2; exit 1; } ;;
  posta) posta_side "$N" posta_local lda ;;
  peer) peer_side ;;
  teardown) dovecot_stop; posta_bench_stop ;;
esac
