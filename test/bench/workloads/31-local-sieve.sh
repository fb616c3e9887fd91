# What a Sieve script costs local delivery: posta-local straight into a Maildir (no queue,
# so the script's share is not hidden by the queue's fsyncs), N messages of 4 KB for a user
# whose active script has 20 typical rules (spam, lists, senders, subjects, a size rule,
# variables, flags; the last rule files the message) against a user without a script,
# alternately. The "peer" column is posta without a script: the ratio is what the script
# leaves of the delivery rate (target >= 0.9, issue 23).
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/posta.sh"
N=$(scale 50 500)
MSG=$BENCH_WORK/sieve-msg
make_msg() {
  { printf 'From: Sender <sender@bench.test>\nTo: user18@bench.test\nSubject: bench report\n'
    printf 'Message-ID: <b1@bench.test>\nDate: Tue, 1 Jul 2003 10:52:37 +0200\n\n'
    head -c 3000 /dev/urandom | base64 -w 76; } >"$MSG"
}
SCRIPT='require ["fileinto", "mailbox", "variables", "imap4flags", "envelope", "subaddress", "relational",
         "comparator-i;ascii-numeric", "regex", "body"];
if header :contains "X-Spam-Flag" "YES" { fileinto :create "Junk"; stop; }
if header :value "ge" :comparator "i;ascii-numeric" "X-Spam-Score" "5" { fileinto :create "Junk"; stop; }
if header :matches "List-Id" "*<*.*>" { fileinto :create "Lists.${2}"; stop; }
if exists "List-Unsubscribe" { fileinto :create "Lists"; stop; }
if address :is "from" ["boss@example.com", "ceo@example.com"] { addflag "\\Flagged"; }
if address :domain :is "from" "example.net" { fileinto :create "Partners"; stop; }
if header :contains "subject" ["invoice", "receipt", "order confirmation"] { fileinto :create "Receipts"; stop; }
if header :contains "subject" "[jira]" { fileinto :create "Jira"; stop; }
if header :regex "subject" "^\\[(ci|build)\\] (failed|passed)" { fileinto :create "CI"; stop; }
if envelope :detail "to" "shop" { fileinto :create "Shopping"; stop; }
if size :over 5M { fileinto :create "Large"; stop; }
if header :contains "from" "newsletter" { fileinto :create "Newsletters"; stop; }
if address :localpart :is "from" ["noreply", "no-reply"] { fileinto :create "Notifications"; stop; }
if header :contains ["to", "cc"] "all-staff@example.com" { fileinto :create "Staff"; stop; }
if anyof (header :contains "subject" "meeting", header :contains "subject" "invitation") { fileinto :create "Calendar"; stop; }
if header :is "x-mailer" "Bulk Sender 1.0" { discard; stop; }
if address :domain :is "from" ["facebook.com", "twitter.com", "linkedin.com"] { fileinto :create "Social"; stop; }
if header :contains "subject" "password reset" { addflag "\\Seen"; }
if allof (address :domain "from" "bench.test", header :contains "subject" "urgent") { addflag "\\Flagged"; }
if address :domain :is "from" "bench.test" { fileinto :create "Bench"; }'
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
