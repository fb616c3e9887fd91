# What the Sieve delivery workloads (local-sieve, local-sieve-lda) share: MSG, a 4 KB message
# from sender@bench.test; SCRIPT, 20 rules of which the last files it into Bench; and the
# alternate timing of two delivery commands.
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
# install_script MAILDIR: SCRIPT is the active script of the user of MAILDIR
install_script() {
  mkdir -p "$1/sieve"
  printf '%s\n' "$SCRIPT" >"$1/sieve/bench.sieve"
  ln -sfn bench.sieve "$1/sieve/active"
}
# time_alternately N A B: runs the commands A and B one after the other, N times, each
# side's time summed on its own, so that the load of the machine (shared, often busy) falls
# on both alike; prints the two rates "A B" per second
time_alternately() {
  local n=$1 a=$2 b=$3 i t0 t1 t2 ta=0 tb=0
  for i in $(seq 1 "$n"); do
    t0=${EPOCHREALTIME/[.,]/}
    $a || return 1
    t1=${EPOCHREALTIME/[.,]/}
    $b || return 1
    t2=${EPOCHREALTIME/[.,]/}
    ta=$((ta + t1 - t0)) tb=$((tb + t2 - t1))
  done
  awk -v n="$n" -v a="$ta" -v b="$tb" 'BEGIN{printf "%.1f %.1f\n", n * 1e6 / a, n * 1e6 / b}'
}
# The posta step measures both sides, A as posta's and B as the peer's, and keeps B's rate
# for the peer step (posta_side N A B; peer_side).
posta_side() {
  local r
  r=$(time_alternately "$1" "$2" "$3") || return 1
  echo "${r#* }" >"$BENCH_WORK/sieve-peer-rate"
  echo "${r% *} msg/s 0"
}
peer_side() {
  [ -s "$BENCH_WORK/sieve-peer-rate" ] && echo "$(cat "$BENCH_WORK/sieve-peer-rate") msg/s 0" &&
    rm -f "$BENCH_WORK/sieve-peer-rate"
}
