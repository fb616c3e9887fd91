# What a Sieve script costs local delivery: posta-local straight into a Maildir (no queue,
# so the script's share is not hidden by the queue's fsyncs), N messages of 4 KB for a user
# whose active script has 20 typical rules (spam, lists, senders, subjects, a size rule,
# variables, flags; the last rule files the message) against a user without a script,
# alternately. The "peer" column is posta without a script: the ratio is what the script
# leaves of the delivery rate (target >= 0.9, issue 23).
# Extra figures (the compiled form, INTERNALS.md "Sieve compiled forms"): the script's compile
# and load times in one process (sieve_load.cc), and per round the delivery rate of user16,
# whose script is compiled at every delivery (its sieve/ is not writable by the mail store
# owner, so no form is kept), against user18's, whose form is loaded.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/posta.sh"
. "$(dirname "$0")/../lib/sieve_bench.sh"
N=$(scale 50 500)
with_script() { "$POSTA_BIN/posta-local" sender@bench.test user18@bench.test <"$MSG" >/dev/null 2>&1; }
without_script() { "$POSTA_BIN/posta-local" sender@bench.test user19@bench.test <"$MSG" >/dev/null 2>&1; }
compiling() { "$POSTA_BIN/posta-local" sender@bench.test user16@bench.test <"$MSG" >/dev/null 2>&1; }
case $1 in
  check) [ -x "$POSTA_BIN/posta-local" ] ;;
  setup)
    make_msg
    posta_bench_setup || exit 1
    d=$PH/mail/bench.test/user18
    install_script "$d"
    install_script "$PH/mail/bench.test/user16"
    chown -R "$(stat -c %u:%g "$PH")" "$PH/mail/bench.test"
    chown root "$PH/mail/bench.test/user16/sieve" && chmod 755 "$PH/mail/bench.test/user16/sieve"
    g++ -O2 -std=c++2b -I"$BENCH_LIB/../../../lib" "$BENCH_LIB/sieve_load.cc" -o "$BENCH_WORK/sieve_load" \
      "$POSTA_BIN/../libposta.a" -lpcre2-8 -lcrypto || exit 1
    printf '%s\n' "$SCRIPT" >"$BENCH_WORK/sieve-bench.sieve"
    r=$("$BENCH_WORK/sieve_load" "$BENCH_WORK/sieve-bench.sieve" "$(scale 2000 20000)" "$BENCH_WORK") || exit 1
    set -- $r
    echo "figure: compile_20_rules $1 us" >&2
    echo "figure: load_form_20_rules $2 us" >&2
    echo "figure: read_and_load_form_20_rules $3 us" >&2
    # one delivery each first: Maildirs and the Bench folder exist before the timing
    time_alternately 1 with_script without_script >/dev/null || exit 1
    [ -d "$d/.Bench/new" ] || { echo "the script did not file the message" >&2; exit 1; }
    time_alternately 1 compiling without_script >/dev/null || exit 1
    [ -d "$PH/mail/bench.test/user16/.Bench/new" ] || { echo "user16's script did not file the message" >&2; exit 1; }
    [ ! -e "$PH/mail/bench.test/user16/sieve/bench.svbin" ] || { echo "user16 has a compiled form" >&2; exit 1; }
    [ -s "$d/sieve/bench.svbin" ] || { echo "user18 has no compiled form" >&2; exit 1; } ;;
  posta)
    r=$(time_alternately "$N" with_script compiling) || exit 1
    echo "figure: delivery_form_loaded ${r% *} msg/s" >&2
    echo "figure: delivery_text_compiled ${r#* } msg/s" >&2
    posta_side "$N" with_script without_script ;;
  peer) peer_side ;;
  teardown) posta_bench_stop ;;
esac
