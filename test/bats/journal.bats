#!/usr/bin/env bats
# Journaling (control/journal, posta-queue(8) JOURNALING): one report per message, queued
# with it, listing every envelope recipient, with the original inside; none for other
# domains, none again for alias re-injections, delivered later when the journal mailbox is
# over quota.

load ../lib/instance

setup_file() {
  instance_create example.test
  local c=$PH/control
  echo 3600 >"$c/retrybase"
  # remote mail goes nowhere: a closed port on loopback (deferred; no DNS)
  echo "remote.test:127.0.0.1:$((PORT_BASE + 1))" >"$c/smtproutes"
  printf 'example.test journal@example.test\nexample.test\n* archive@example.test sideways\n' >"$c/journal"
  for u in to cc bcc bob carol journal; do posta user add "$u@example.test" --no-password >/dev/null; done
  posta user add alice@example.test --password-stdin <<<"s3cret-Pass" >/dev/null
  posta domain add other.test >/dev/null
  posta user add x@other.test --no-password >/dev/null
  posta alias add team@example.test bob@example.test carol@example.test >/dev/null
  instance_start
}

teardown_file() { instance_stop; }

setup() { load_helpers; }

journal_count() { maildir_count journal@example.test; }
has_count() { [ "$(maildir_count "$1")" = "$2" ]; }
# the journal report whose Subject is "Journal: $1"
journal_report() { grep -rl -- "^Subject: Journal: $1\$" "$PH/mail/example.test/journal/new" "$PH/mail/example.test/journal/cur" 2>/dev/null; }

# smtp_send PORT FROM DATA-FILE RCPT...: one transaction with smtplib
smtp_send() {
  python3 - "$@" <<'PY'
import smtplib, sys
port, sender, path, rcpts = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
with smtplib.SMTP("127.0.0.1", port, timeout=20) as s:
    s.sendmail(sender, rcpts, open(path).read())  # str: smtplib sends CRLF
PY
}

@test "inbound: one report listing To, Cc and Bcc envelope recipients, the original byte-identical inside" {
  local m=$BATS_TEST_TMPDIR/in.eml
  printf 'From: someone@elsewhere.test\nTo: to@example.test\nCc: cc@example.test\nSubject: inbound one\nMessage-ID: <in1@elsewhere.test>\n\nline one\n--looks like a boundary\n\nlast line\n' >"$m"
  run smtp_send "$SMTP_PORT" someone@elsewhere.test "$m" to@example.test cc@example.test bcc@example.test
  assert_success
  wait_for 20 journal_report "inbound one"
  wait_for 20 has_count bcc@example.test 1
  [ "$(journal_count)" = 1 ]
  local r
  r=$(journal_report "inbound one")
  run cat "$r"
  assert_output --partial "Recipient: <to@example.test>"
  assert_output --partial "Recipient: <cc@example.test>"
  assert_output --partial "Recipient: <bcc@example.test>"
  assert_output --partial "Sender: <someone@elsewhere.test>"
  assert_output --partial "Direction: inbound"
  assert_output --partial "Client-Address: 127.0.0.1"
  assert_output --partial "Auto-Submitted: auto-generated"
  assert_output --partial "From: MAILER-DAEMON@"
  # the message/rfc822 part is the message as queued (the original with the Received and
  # spam lines added before delivery), the same bytes the recipients got
  run python3 - "$r" "$m" "$PH/mail/example.test/bcc/new" <<'PY'
import email, os, sys
report = email.message_from_binary_file(open(sys.argv[1], "rb"))
parts = report.get_payload()
assert report.get_content_type() == "multipart/mixed" and len(parts) == 2, report.get_content_type()
assert parts[1].get_content_type() == "message/rfc822"
raw = open(sys.argv[1], "rb").read()
inner = raw.split(b"--" + report.get_boundary().encode())[2].split(b"\n\n", 1)[1][:-1]
original = open(sys.argv[2], "rb").read()
head, body = original.split(b"\n\n", 1)
assert inner.endswith(b"\n\n" + body), inner
for line in head.split(b"\n"): assert b"\n" + line + b"\n" in inner, line
d = sys.argv[3]
delivered = open(os.path.join(d, os.listdir(d)[0]), "rb").read()
assert delivered.endswith(inner), (delivered, inner)
print("ok")
PY
  assert_success
  # a bad control/journal line is a warning, the good ones still work
  run grep -rh "control/journal: line" "$PH/log"
  assert_output --partial '"example.test" ignored: no address'
  assert_output --partial 'ignored: bad direction "sideways"'
}

@test "outbound: authenticated submission to a remote domain is journaled" {
  local before
  before=$(journal_count)
  run swaks --server "$INSTANCE_IP:$SUBMISSION_PORT" --from alice@example.test --to dave@remote.test \
    --auth PLAIN --auth-user alice@example.test --auth-password s3cret-Pass -tls \
    --header "Subject: outbound one" --body "leaving"
  assert_success
  wait_for 20 journal_report "outbound one"
  [ "$(journal_count)" = $((before + 1)) ]
  run cat "$(journal_report "outbound one")"
  assert_output --partial "Direction: outbound"
  assert_output --partial "Recipient: <dave@remote.test>"
  assert_output --partial "Authenticated-User: alice@example.test"
  assert_output --partial "leaving"
}

# send_in SUBJECT RCPT...: a short message from outside over SMTP
send_in() {
  local subject=$1 m=$BATS_TEST_TMPDIR/in-$RANDOM.eml
  shift
  printf 'Subject: %s\n\nbody of %s\n' "$subject" "$subject" >"$m"
  smtp_send "$SMTP_PORT" someone@elsewhere.test "$m" "$@"
}

# deliver_in SUBJECT RCPT [USER...]: send_in to RCPT, then wait until each USER (default
# RCPT) holds one message
deliver_in() {
  local subject=$1 rcpt=$2 u
  shift 2
  send_in "$subject" "$rcpt" || return 1
  for u in "${@:-$rcpt}"; do wait_for 20 has_count "$u" 1 || return 1; done
}

# marker_makes COUNT: a journaled marker message arrives, and the journal then holds COUNT
# reports (anything still on its way for earlier messages would have come first)
marker_makes() {
  send_in "marker $BATS_TEST_NUMBER" to@example.test
  wait_for 20 journal_report "marker $BATS_TEST_NUMBER"
  [ "$(journal_count)" = "$1" ]
}

@test "a message for a domain without a journal rule is not journaled" {
  local before
  before=$(journal_count)
  deliver_in "not journaled" x@other.test
  marker_makes $((before + 1))
  run journal_report "not journaled"
  assert_failure
}

@test "an alias expansion is journaled once, the re-injection not again" {
  local before
  before=$(journal_count)
  deliver_in "to the team" team@example.test bob@example.test carol@example.test
  wait_for 20 journal_report "to the team"
  marker_makes $((before + 2))
  run cat "$(journal_report "to the team")"
  assert_output --partial "Recipient: <team@example.test>"
}

@test "a journal mailbox over quota: the report is deferred, then delivered" {
  local before m=$BATS_TEST_TMPDIR/quota.eml
  before=$(journal_count)
  posta user set journal@example.test --quota-bytes 100
  printf 'Subject: while full\n\n%s\n' "$(head -c 2000 /dev/zero | tr '\0' q | fold -w 76)" >"$m"
  run smtp_send "$SMTP_PORT" someone@elsewhere.test "$m" to@example.test
  assert_success
  deferred_report() { posta mailq --json | grep '"state":"deferred"' | grep -q 'journal@example.test'; }
  wait_for 20 deferred_report
  [ "$(journal_count)" = "$before" ]
  posta user set journal@example.test --quota-bytes 0
  run posta qctl flush
  assert_success
  wait_for 20 journal_report "while full"
  [ "$(journal_count)" = $((before + 1)) ]
}

@test "a report that does not fit on the disk fails the injection (53), leaving nothing queued (tmpfs, root only)" {
  [ "$(id -u)" = 0 ] || skip "needs root to mount a small tmpfs"
  local d=$BATS_TEST_TMPDIR/full mess todo intd
  mkdir -p "$d"
  mount -t tmpfs -o size=1m tmpfs "$d" || skip "cannot mount tmpfs here"
  mkdir -p "$d/control"
  echo 'example.test journal@example.test' >"$d/control/journal"
  # 600 kB: the message fits, the message and its report do not
  run bash -c "head -c 600000 /dev/zero | tr '\0' x | fold -w 76 | POSTA_HOME='$d' '$POSTA_BIN/posta-queue' 1< <(printf 'Fa@elsewhere.test\0Tto@example.test\0\0')"
  mess=$(ls "$d/queue/mess" | wc -l) todo=$(ls "$d/queue/todo" | wc -l) intd=$(ls "$d/queue/intd" | wc -l)
  umount "$d"
  assert_failure 53
  assert_output --partial "journal report to journal@example.test"
  [ "$todo" = 0 ] && [ "$mess" = 0 ] && [ "$intd" = 0 ]
}
