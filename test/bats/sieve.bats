#!/usr/bin/env bats
# Sieve at delivery (posta-local(8) SIEVE, posta-sieve(5)): each extension with a message
# and its outcome, vacation's RFC 3834 rules, redirect loops, broken and hostile scripts.
# posta-local is driven directly (message on fd 0) with a recording fake queue program for
# what it injects (redirects, vacation replies); the last test goes through SMTP and the
# real queue of a running instance.

load ../lib/instance

D=sieve.test

setup_file() {
  instance_create $D
  local u
  for u in alice bob carol; do posta user add $u@$D --no-password >&2; done
  posta user add tiny@$D --no-password --quota-messages 1 >&2
  posta user add pm@$D --no-password >&2
  echo pm@$D >"$PH/control/doublebounceto"
  posta alias add carol.work@$D carol@$D >&2
  posta alias add team@$D carol@$D bob@$D >&2
  # posta-local runs the queue program as the instance owner: a copy it may write next to
  FQ=$(dirname "$PH")/fq
  mkdir -p "$FQ"
  install -m 755 "$POSTA_SRC/test/lib/recording_queue.sh" "$FQ/queue"
  chown -R "$(stat -c %u:%g "$PH")" "$FQ"
  export FQ
}

setup() {
  load_helpers
  rm -f "$FQ"/msg.* "$FQ"/env.*
  rm -rf "$PH/sieve" "$PH/mail/$D"/*
  MSG=$BATS_TEST_TMPDIR/msg
  message >"$MSG"
}

teardown_file() { instance_stop; }

md() { echo "$PH/mail/$D/$1"; }
# message [EXTRA-HEADER...]: a plain message from sender@remote.test to alice
message() {
  printf 'From: Sender <sender@remote.test>\nTo: alice@%s\nSubject: hello there\nMessage-ID: <m1@remote.test>\nDate: Tue, 1 Jul 2003 10:52:37 +0200\n' $D
  local h
  for h in "$@"; do printf '%s\n' "$h"; done
  printf '\nthe body says banana\n'
}
# script USER TEXT: USER's active script is TEXT
script() {
  local dir
  dir=$(md "$1")/sieve
  mkdir -p "$dir"
  printf '%s\n' "$2" >"$dir/main.sieve"
  ln -sfn main.sieve "$dir/active"
  chown -R "$(stat -c %u:%g "$PH")" "$(md "$1")"
}
# admin_script before|after|NAME TEXT
admin_script() {
  mkdir -p "$PH/sieve"
  printf '%s\n' "$2" >"$PH/sieve/$1.sieve"
}
# filter USER TEXT: USER's active script is TEXT, then a successful delivery of $MSG to USER
filter() {
  script "$1" "$2"
  deliver sender@remote.test "$1@$D"
  assert_success
}
# deliver SENDER RECIPIENT [FILE]: posta-local with the recording queue
deliver() {
  run --separate-stderr env POSTA_QUEUE="$FQ/queue" "$POSTA_BIN/posta-local" "$1" "$2" <"${3:-$MSG}"
}
count() { find "$1" -maxdepth 1 -type f 2>/dev/null | wc -l; }
inbox() { echo $(( $(count "$(md $1)/new") + $(count "$(md $1)/cur") )); }
folder() { echo $(( $(count "$(md $1)/.$2/new") + $(count "$(md $1)/.$2/cur") )); }
stderr_has() { [[ $stderr == *"$1"* ]] || { echo "stderr: $stderr" >&2; return 1; }; }
injected() { ls "$FQ" | grep -c '^msg\.' || true; }

@test "fileinto: into an existing folder; a missing one without :create goes to INBOX and is logged; :create creates and subscribes" {
  filter alice 'require ["fileinto", "mailbox"];
if header :contains "subject" "hello" { fileinto "Lists.posta"; }'
  [ "$(folder alice Lists.posta)" = 0 ]
  [ "$(inbox alice)" = 1 ]
  stderr_has 'no mailbox "Lists.posta"'
  filter alice 'require ["fileinto", "mailbox"]; fileinto :create "Lists/posta";'
  [ "$(folder alice Lists.posta)" = 1 ]
  grep -qx 'Lists.posta' "$(md alice)/subscriptions"
  deliver sender@remote.test alice@$D
  [ "$(folder alice Lists.posta)" = 2 ]
  [ "$(inbox alice)" = 1 ]
}

@test "keep, discard, stop, fileinto :copy, implicit keep" {
  filter bob 'discard;'
  assert_output --partial discarded
  [ "$(inbox bob)" = 0 ]
  filter bob 'require ["fileinto", "copy", "mailbox"]; fileinto :copy :create "Copies"; if true { stop; } discard;'
  [ "$(inbox bob)" = 1 ]
  [ "$(folder bob Copies)" = 1 ]
  script bob 'require ["fileinto", "mailbox"]; fileinto :create "Copies"; keep;'
  deliver sender@remote.test bob@$D
  [ "$(inbox bob)" = 2 ]
  [ "$(folder bob Copies)" = 2 ]
}

@test "redirect: re-injected with the envelope sender and Delivered-To; :copy also keeps; the loop check stops a cycle" {
  filter carol 'redirect "elsewhere@remote.test";'
  [ "$(inbox carol)" = 0 ]
  [ "$(injected)" = 1 ]
  run head -1 "$FQ/msg.0"
  assert_output "Delivered-To: carol@$D"
  run cat "$FQ/env.0"
  assert_output --partial "sender@remote.test"
  assert_output --partial "elsewhere@remote.test"
  # carol redirects to herself: the copy comes back with her Delivered-To and bounces
  script carol 'require "copy"; redirect :copy "carol@sieve.test";'
  rm -f "$FQ"/msg.* "$FQ"/env.*
  deliver sender@remote.test carol@$D
  assert_success
  [ "$(inbox carol)" = 1 ]
  deliver sender@remote.test carol@$D "$FQ/msg.0"
  [ "$status" -eq 100 ]
  assert_output --partial "loop"
  [ "$(inbox carol)" = 1 ]
}

@test "redirect limit: more than 4 redirects (control/sievemaxredirects) delivers to INBOX and logs" {
  filter carol 'redirect "a@remote.test"; redirect "b@remote.test"; redirect "c@remote.test";
redirect "d@remote.test"; redirect "e@remote.test";'
  stderr_has "too many redirects (limit 4)"
  [ "$(inbox carol)" = 1 ]
  [ "$(injected)" = 0 ]
  echo 1 >"$PH/control/sievemaxredirects"
  filter carol 'redirect "a@remote.test"; redirect "b@remote.test";'
  stderr_has "too many redirects (limit 1)"
  [ "$(injected)" = 0 ]
  filter carol 'redirect "a@remote.test";'
  [ "$(injected)" = 1 ]
  echo 0 >"$PH/control/sievemaxredirects"
  filter carol 'redirect "a@remote.test";'
  rm "$PH/control/sievemaxredirects"
  stderr_has "too many redirects (limit 0)"
  [ "$(injected)" = 1 ]
  [ "$(inbox carol)" = 3 ]
}

@test "reject and ereject: a permanent failure with the reason, nothing stored" {
  script bob 'require "reject"; reject "I do not want this";'
  deliver sender@remote.test bob@$D
  [ "$status" -eq 100 ]
  assert_output --partial "I do not want this"
  script bob 'require "ereject"; ereject "no";'
  deliver sender@remote.test bob@$D
  [ "$status" -eq 100 ]
  [ "$(inbox bob)" = 0 ]
  # a notification (null sender) or a double bounce is not refused but discarded: a refusal
  # would notify nobody, or the postmaster
  deliver "" bob@$D
  assert_success
  assert_output --partial "discarded: null sender"
  deliver "#@[]" bob@$D
  assert_success
  [ "$(inbox bob)" = 0 ]
  [ "$(injected)" = 0 ]
}

@test "imap4flags: system flags in the file name, keywords through posta-keywords" {
  filter alice 'require ["imap4flags", "fileinto", "mailbox"];
addflag ["\\Seen", "$Important"]; fileinto :create :flags ["\\Flagged", "Work"] "Flagged"; keep;'
  local f
  f=$(ls "$(md alice)/cur")
  [[ $f == *:2,Sa ]]
  grep -qx 'a $Important' "$(md alice)/posta-keywords"
  f=$(ls "$(md alice)/.Flagged/cur")
  [[ $f == *:2,Fa ]]
  grep -qx 'a Work' "$(md alice)/.Flagged/posta-keywords"
}

@test "tests of every extension: envelope, subaddress, body, variables, relational, date, index, regex, spam header" {
  message 'X-Spam-Flag: YES' 'X-Priority: 2' 'Received: from a by b; Tue, 1 Jul 2003 09:00:00 +0000' \
    'Received: from c by d; Tue, 1 Jul 2003 08:00:00 +0000' 'Subject: =?UTF-8?B?R3LDvMOfZQ==?=' >"$MSG"
  # each condition files a copy into its own folder: Yn must fill, Nn must stay absent
  local conds=(
    Y1 'envelope :detail "to" "work"'
    Y2 'envelope :user "from" "sender"'
    N1 'envelope :detail "to" "home"'
    Y3 'body :text :contains "banana"'
    Y4 'header :contains "x-spam-flag" "yes"'
    Y5 'header :contains "subject" "Grüße"'
    Y6 'header :value "lt" :comparator "i;ascii-numeric" "x-priority" "3"'
    Y7 'header :count "eq" :comparator "i;ascii-numeric" "received" "2"'
    Y8 'date :zone "+0000" "date" "date" "2003-07-01"'
    Y9 'date :zone "+0000" :index 1 :last "received" "hour" "08"'
    Y10 'address :regex "from" "^s[a-z]+@remote\\.test$"'
    Y11 'allof (header :matches "subject" "*", string :is "${1}" "hello there")'
    N2 'size :over 1M'
    Y12 'exists "message-id"'
    N3 'not exists "message-id"'
    Y13 'mailboxexists "INBOX"'
    N4 'mailboxexists "Nope"'
  )
  local text='require ["fileinto", "mailbox", "copy", "envelope", "subaddress", "body", "relational",
"comparator-i;ascii-numeric", "date", "index", "regex", "variables"];'
  local i
  for ((i = 0; i < ${#conds[@]}; i += 2)); do
    text+=$'\n'"if ${conds[i+1]} { fileinto :copy :create \"${conds[i]}\"; }"
  done
  script bob "$text"
  deliver sender+tag@remote.test bob+work@$D
  assert_success
  for ((i = 0; i < ${#conds[@]}; i += 2)); do
    case ${conds[i]} in
      Y*) [ "$(folder bob "${conds[i]}")" = 1 ] || { echo "not taken: ${conds[i+1]}" >&2; return 1; } ;;
      N*) [ ! -d "$(md bob)/.${conds[i]}" ] || { echo "taken: ${conds[i+1]}" >&2; return 1; } ;;
    esac
  done
}

@test "include, the admin before-script and after-script, in that order" {
  admin_script before 'require "imap4flags"; addflag "\\Seen";'
  admin_script company 'require "fileinto"; if header :contains "subject" "hello" { fileinto "Company"; }'
  admin_script after 'require ["fileinto", "copy", "mailbox"]; fileinto :copy :create "Archive";'
  mkdir -p "$(md alice)/.Company/new" "$(md alice)/.Company/cur" "$(md alice)/.Company/tmp"
  chown -R "$(stat -c %u:%g "$PH")" "$(md alice)"
  filter alice 'require "include"; include :global "company";'
  [[ $(ls "$(md alice)/.Company/cur") == *:2,S ]]
  [ "$(folder alice Archive)" = 1 ]
  # a before-script's stop ends the sequence
  admin_script before 'discard; stop;'
  deliver sender@remote.test alice@$D
  assert_success
  [ "$(folder alice Archive)" = 1 ]
  [ "$(folder alice Company)" = 1 ]
}

@test "vacation: one reply per sender per period, from the null sender, auto-replied, In-Reply-To, Subject Auto:" {
  script bob 'require "vacation"; vacation :days 1 :addresses ["bob.alias@sieve.test"] "I am away.";'
  message >"$MSG"
  sed -i "s/^To: .*/To: bob@$D/" "$MSG"
  deliver sender@remote.test bob@$D
  assert_success
  [ "$(inbox bob)" = 1 ]
  [ "$(injected)" = 1 ]
  run cat "$FQ/msg.0"
  assert_line "To: <sender@remote.test>"
  assert_line "Subject: Auto: hello there"
  assert_line "Auto-Submitted: auto-replied (vacation)"
  assert_line "In-Reply-To: <m1@remote.test>"
  assert_line "I am away."
  # the envelope: null sender, to the original sender
  run cat "$FQ/env.0"
  assert_output "$(printf 'F\nTsender@remote.test\n')"
  # the same sender again: no second reply within the period; another sender gets one
  deliver sender@remote.test bob@$D
  assert_success
  [ "$(injected)" = 1 ]
  deliver other@remote.test bob@$D
  [ "$(injected)" = 2 ]
  # :from naming someone else's address is not used
  script bob 'require "vacation"; vacation :from "The Boss <boss@remote.test>" "Away.";'
  deliver third@remote.test bob@$D
  assert_success
  stderr_has "is not one of the user's addresses"
  run grep '^From: ' "$FQ/msg.2"
  assert_output "From: bob@$D"
  # :seconds (raised to a day), :subject, a :mime reason, and :handle: a reply with another
  # handle goes to a sender already answered with the first
  script bob 'require ["vacation", "vacation-seconds"]; vacation :seconds 1 :subject "Gone" :handle "h2" :mime text:
Content-Type: text/plain; charset=utf-8

Gone fishing.
.
;'
  deliver third@remote.test bob@$D
  [ "$(injected)" = 4 ]
  run cat "$FQ/msg.3"
  assert_line "Subject: Gone"
  assert_line "Content-Type: text/plain; charset=utf-8"
  assert_line "Gone fishing."
  deliver third@remote.test bob@$D
  [ "$(injected)" = 4 ]
  # remembered for a day, not a second
  awk -v now="$(date +%s)" '$2 == "third@remote.test" && $3 == "h2" && $1 > now + 86000 { f = 1 } END { exit !f }' \
    "$(md bob)/sieve/vacation.seen"
}

@test "vacation: no reply to a list, bulk, auto-submitted, spam-flagged, own-address, null-sender, mailer-daemon or not-addressed message" {
  script carol 'require "vacation"; vacation :addresses ["carol.alias@sieve.test"] "away";'
  local h n=0
  for h in 'List-Id: <x.lists.remote.test>' 'Precedence: bulk' 'Precedence: junk' 'Auto-Submitted: auto-generated' \
           'X-Spam-Flag: YES'; do
    message "$h" | sed "s/^To: .*/To: carol@$D/" >"$MSG"
    deliver "s$n@remote.test" carol@$D
    assert_success
    n=$((n+1))
  done
  message | sed "s/^To: .*/To: carol@$D/" >"$MSG"
  deliver carol@$D carol@$D
  deliver carol.alias@sieve.test carol@$D
  deliver "" carol@$D
  deliver MAILER-DAEMON@remote.test carol@$D
  deliver owner-list@remote.test carol@$D
  message | sed "s/^To: .*/To: someone@remote.test/" >"$MSG"
  deliver fresh@remote.test carol@$D
  [ "$(injected)" = 0 ]
  # the spam-flagged one went where spam goes without a script (control/junkfolder)
  [ "$(inbox carol)" = 10 ]
  [ "$(folder carol Junk)" = 1 ]
  # an Auto-Submitted: no message and one to an :addresses alias are answered
  message 'Auto-Submitted: no' | sed "s/^To: .*/To: carol.alias@sieve.test/" >"$MSG"
  deliver fresh@remote.test carol@$D
  [ "$(injected)" = 1 ]
}

@test "vacation: the aliases that deliver to the user are her own addresses: To one is answered, From one is not" {
  script carol 'require "vacation"; vacation :from "carol.work@sieve.test" "away";'
  # To an alias of carol (as the alias re-injects it: envelope recipient carol) is answered,
  # from the alias she named in :from
  message | sed "s/^To: .*/To: carol.work@$D/" >"$MSG"
  deliver pal@remote.test carol@$D
  assert_success
  [ "$(injected)" = 1 ]
  run grep '^From: ' "$FQ/msg.0"
  assert_output "From: carol.work@$D"
  message | sed "s/^To: .*/To: Team <team@$D>/" >"$MSG"
  deliver pal2@remote.test carol@$D
  [ "$(injected)" = 2 ]
  # From an alias of carol, or her sub-address: no reply; nor To an alias that is not hers
  message | sed "s/^To: .*/To: carol@$D/" >"$MSG"
  deliver carol.work@$D carol@$D
  deliver team@$D carol@$D
  deliver carol+x@$D carol@$D
  message | sed "s/^To: .*/To: bob@$D/" >"$MSG"
  deliver pal3@remote.test carol@$D
  [ "$(injected)" = 2 ]
  [ "$(inbox carol)" = 6 ]
}

@test "broken scripts: a compile error or a run-time error delivers as without a script and logs" {
  filter alice 'require "fileinto"; fileinto :bogus "x";'
  stderr_has "line 1, column 30"
  [ "$(inbox alice)" = 1 ]
  filter alice 'require ["fileinto", "reject"]; fileinto "INBOX"; reject "x";'
  stderr_has "run-time error"
  [ "$(inbox alice)" = 2 ]
  # an active link pointing outside the script directory is ignored, with a log line
  ln -sfn ../../bob/sieve/main.sieve "$(md alice)/sieve/active"
  deliver sender@remote.test alice@$D
  assert_success
  [ "$(inbox alice)" = 3 ]
}

# form TEXT-FILE BODY-HEX: a compiled form (INTERNALS.md "Sieve compiled forms") of BODY for
# the text in TEXT-FILE, with a right hash and checksum: what a forger would write
form() {
  python3 -c 'import hashlib, sys
t = open(sys.argv[1], "rb").read()
f = b"PSTSIEVE" + (1).to_bytes(4, "little") + hashlib.sha256(t).digest() + bytes.fromhex(sys.argv[2])
sys.stdout.buffer.write(f + hashlib.sha256(f).digest())' "$@"
}

@test "compiled forms: put writes one and delivery uses it; a corrupted, foreign or forged one is refused and the text decides" {
  local dir t=$BATS_TEST_TMPDIR/rules.sieve
  dir=$(md alice)/sieve
  mkdir -p "$(md alice)" && chown "$(stat -c %u:%g "$PH")" "$(md alice)"
  printf 'require ["fileinto", "mailbox"]; fileinto :create "Sorted";\n' >"$t"
  posta user sieve put alice@$D rules "$t"
  posta user sieve activate alice@$D rules
  [ "$(head -c 8 "$dir/rules.svbin")" = PSTSIEVE ]
  local id; id=$(stat -c %i "$dir/rules.svbin")
  deliver sender@remote.test alice@$D
  assert_success
  [ "$(folder alice Sorted)" = 1 ]
  [[ $stderr != *svbin* ]] || { echo "$stderr" >&2; false; }
  [ "$(stat -c %i "$dir/rules.svbin")" = "$id" ]
  # what runs is the form: one for this very text that says "discard;" discards
  form "$t" 0107646973636172640101000000 >"$dir/rules.svbin"
  deliver sender@remote.test alice@$D
  assert_success
  [ "$(folder alice Sorted)" = 1 ]
  [ "$(inbox alice)" = 0 ]
  # corrupted (one byte): refused, the text files the message, the form is rewritten
  cp "$dir/rules.svbin" "$BATS_TEST_TMPDIR/saved"
  posta user sieve put alice@$D rules "$t"
  printf 'X' | dd of="$dir/rules.svbin" bs=1 seek=60 conv=notrunc 2>/dev/null
  deliver sender@remote.test alice@$D
  assert_success
  stderr_has "rules.svbin not used: invalid compiled form: checksum mismatch; compiled the text"
  stderr_has "compiled $dir/rules.sieve into $dir/rules.svbin"
  [ "$(folder alice Sorted)" = 2 ]
  deliver sender@remote.test alice@$D
  [[ $stderr != *svbin* ]]
  [ "$(folder alice Sorted)" = 3 ]
  # a form of other text (the discarding one above, after the text changed): refused
  printf 'require ["fileinto", "mailbox"]; fileinto :create "Sorted"; # v2\n' >"$t"
  posta user sieve put alice@$D rules "$t"
  cp "$BATS_TEST_TMPDIR/saved" "$dir/rules.svbin"
  deliver sender@remote.test alice@$D
  stderr_has "not used: compiled form of other source text"
  [ "$(folder alice Sorted)" = 4 ]
  # forged for this text, but "fileinto" without its require: the checker refuses it
  form "$t" 010866696c65696e746f010101020101000106466f726765640000 >"$dir/rules.svbin"
  deliver sender@remote.test alice@$D
  stderr_has 'not used: line 1, column 1: command "fileinto" needs require "fileinto"'
  [ "$(folder alice Sorted)" = 5 ]
  [ ! -d "$(md alice)/.Forged" ]
  # a script written by hand gets its form at the first delivery
  script bob 'keep;'
  deliver sender@remote.test bob@$D
  stderr_has "compiled $(md bob)/sieve/main.sieve into"
  [ "$(head -c 8 "$(md bob)/sieve/main.svbin")" = PSTSIEVE ]
}

@test "hostile scripts: deep nesting, huge lists and an exploding regex are refused or stopped fast" {
  local deep="" i
  for i in $(seq 200); do deep+='if true {'; done
  for i in $(seq 200); do deep+='}'; done
  script alice "$deep"
  deliver sender@remote.test alice@$D
  assert_success
  stderr_has "nesting too deep"
  local list
  list=$(printf '"x%d",' $(seq 3000))
  script alice "if header :is \"subject\" [${list}\"y\"] { discard; }"
  deliver sender@remote.test alice@$D
  stderr_has "string list too long"
  message "X-Evil: $(printf 'a%.0s' $(seq 60))b" >"$MSG"
  script alice 'require "regex"; if header :regex "x-evil" "^(a|a?)+$" { discard; }'
  local t0=$SECONDS
  deliver sender@remote.test alice@$D
  assert_success
  stderr_has "limit"
  [ $((SECONDS - t0)) -lt 5 ]
  [ "$(inbox alice)" = 3 ]
}

@test "quota applies to every copy: the second store of a one-message mailbox is over quota" {
  script tiny 'require ["fileinto", "mailbox"]; fileinto :create "A"; keep;'
  deliver sender@remote.test tiny@$D
  [ "$status" -eq 111 ]
  assert_output --partial "over quota"
}

@test "through SMTP and the real queue: a message sent with swaks is filed by the script, which sees the spam verdict" {
  instance_start
  script alice 'require ["fileinto", "mailbox", "relational", "comparator-i;ascii-numeric"];
if allof (address :domain "from" "remote.test", header :value "lt" :comparator "i;ascii-numeric" "X-Spam-Score" "5",
          header :contains "X-Spam-Status" "No") { fileinto :create "Remote"; }'
  run swaks --server "$INSTANCE_IP:$SMTP_PORT" --from sender@remote.test --to alice@$D \
    --header "Subject: via smtp" --body "hello"
  assert_success
  wait_for 20 eval '[ "$(folder alice Remote)" = 1 ]'
}

@test "through the real queue: reject and ereject come back to the sender as DSNs with the reason; a null sender's does not" {
  # the instance runs since the test above
  script alice 'require ["reject", "ereject"];
if header :contains "subject" "first" { reject "I am not taking this one"; }
elsif header :contains "subject" "second" { ereject "Nor this one"; }'
  # a bounce to alice, which her script rejects: no DSN (pm, control/doublebounceto, gets none)
  run bash -c "printf 'Subject: first, a bounce\n\nx\n' | '$POSTA_BIN/posta-queue' 1< <(printf 'F\0Talice@$D\0\0')"
  assert_success
  local m
  for m in first second; do
    run swaks --server "$INSTANCE_IP:$SMTP_PORT" --from bob@$D --to alice@$D --header "Subject: $m" --body "hello"
    assert_success
  done
  wait_for 30 eval '[ "$(inbox bob)" = 2 ]'
  wait_for 30 eval '[ -z "$(posta mailq --json)" ]'
  run grep -l 'Final-Recipient: rfc822; alice@sieve.test' "$(md bob)"/new/*
  [ "${#lines[@]}" = 2 ]
  run cat "$(md bob)"/new/*
  assert_output --partial "I am not taking this one"
  assert_output --partial "Nor this one"
  assert_line 'Action: failed'
  assert_line --regexp '^Status: 5\.7\.1'
  [ "$(inbox alice)" = 0 ]
  [ "$(inbox pm)" = 0 ]
  grep -rq 'discarded: null sender' "$PH"/log
}
