# The message and the 20-rule script of the Sieve delivery workloads (local-sieve,
# local-sieve-lda): MSG is a 4 KB message from sender@bench.test; SCRIPT files it into Bench
# with its last rule, after 19 rules that do not match it.
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
