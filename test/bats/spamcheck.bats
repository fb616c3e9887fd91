#!/usr/bin/env bats
# posta-spamcheck in front of the queue (control/smtpqueue, written by posta-setup): real
# clients (swaks, smtplib, imaplib) against a throwaway instance; verdicts, refusals at the
# end of DATA, header fields, limits, rules trouble, and the check command.
load ../lib/instance

D=example.test
GTUBE='XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X'

setup_file() {
  instance_create $D
  echo alicepw | posta user add alice@$D --password-stdin >&2
  posta user add bob@$D --no-password >&2
  instance_start
  wait_for 20 test -S "$PH/queue/lock/control"
  cp -R "$PH/control" "$BATS_FILE_TMPDIR/control.setup"
}

teardown_file() { instance_stop; }

setup() {
  load_helpers
  # every test starts from the shipped settings
  rm -f "$PH/control/spamrules" "$PH/control/spamrules.local"
  control spamreject 15.0
  printf '%s\n' "$(readlink -f "$POSTA_BIN/posta-spamcheck")" >"$PH/control/smtpqueue"
  own "$PH/control/smtpqueue"
}

own() { [ "$(id -u)" = 0 ] && chown "$(stat -c %U "$PH")" "$@"; return 0; }
control() { printf '%s\n' "$2" >"$PH/control/$1"; own "$PH/control/$1"; }

md() { echo "$PH/mail/$D/$1"; }
count() { find "$1" -type f 2>/dev/null | wc -l; }
queue_files() { find "$PH/queue/mess" -type f | wc -l; }
queue_empty() { [ "$(queue_files)" = 0 ]; }
# the delivered file of the message whose Subject contains $2, in folder dir $1
delivered() { grep -l -r --include='*' "^Subject: $2" "$1" 2>/dev/null | head -n 1; }
has_delivered() { [ -n "$(delivered "$1" "$2")" ]; }

send() {  # send TO SUBJECT BODY [swaks args...]
  local to=$1 subj=$2 body=$3; shift 3
  swaks --server 127.0.0.1 --port "$SMTP_PORT" --from sender@remote.example --to "$to" \
    --header "Subject: $subj" --body "$body" "$@"
}

@test "spamcheck: posta-setup made it the smtpd queue program and installed the shipped rules" {
  C0=$BATS_FILE_TMPDIR/control.setup
  run cat "$C0/smtpqueue" "$C0/spamscore" "$C0/spamreject"
  assert_line "$(readlink -f "$POSTA_BIN")/posta-spamcheck"
  assert_line "5.0"
  assert_line "15.0"
  [ -s "$PH/spam/rules" ]
  cmp "$PH/spam/rules" "$POSTA_SRC/etc/spam/rules"
  [ -d "$PH/spam/tmp" ]
  # an instance made before the filter: --update-services adds control/smtpqueue and the
  # rules; an smtpqueue of the admin's own stays
  rm "$PH/control/smtpqueue" "$PH/spam/rules"
  run "$POSTA_BIN/posta-setup" --home "$PH" --update-services
  assert_success
  assert_output --partial "new control files: smtpqueue"
  assert_equal "$(grep -v '^#' "$PH/control/smtpqueue")" "$(readlink -f "$POSTA_BIN")/posta-spamcheck"
  cmp "$PH/spam/rules" "$POSTA_SRC/etc/spam/rules"
  [ "$(stat -c %U "$PH/spam/rules")" = "$(stat -c %U "$PH")" ]
  control smtpqueue /bin/false
  "$POSTA_BIN/posta-setup" --home "$PH" --update-services 2>/dev/null
  assert_equal "$(cat "$PH/control/smtpqueue")" /bin/false
}

@test "spamcheck: a clean message reaches the inbox with X-Spam-Status: No and the report" {
  run send bob@$D "clean-1" "Hello Bob, lunch at noon?"
  assert_success
  assert_output --partial "250 2.0.0 Ok: queued"
  wait_for 20 has_delivered "$(md bob)/new" clean-1
  f=$(delivered "$(md bob)/new" clean-1)
  run grep -c '^X-Spam-' "$f"
  assert_output 3
  grep -q '^X-Spam-Status: No, score=' "$f"
  ! grep -q '^X-Spam-Flag' "$f"
  wait_for 5 grep -q 'posta-spamcheck: info: passed id=[0-9].* verdict=ham' "$PH/log/spamcheck/current"
}

@test "spamcheck: GTUBE is delivered to Junk with X-Spam-Flag when refusing is off" {
  control spamreject 0
  run send bob@$D "gtube-junk" "test $GTUBE end"
  assert_success
  assert_output --partial "250 2.0.0 Ok: queued"
  wait_for 20 has_delivered "$(md bob)/.Junk/new" gtube-junk
  f=$(delivered "$(md bob)/.Junk/new" gtube-junk)
  grep -qx 'X-Spam-Flag: YES' "$f"
  grep -q '^X-Spam-Score: 10' "$f"
  grep -q '^	\* 1000.0 GTUBE ' "$f"
  [ -z "$(delivered "$(md bob)/new" gtube-junk)" ]
}

@test "spamcheck: a score above control/spamreject is refused with 550 5.7.1 at the end of DATA, nothing queued" {
  wait_for 20 queue_empty
  control spamrules.local "body REJECT_ME /reject-me-7731/
score REJECT_ME 20"
  run send bob@$D "refused-1" "please reject-me-7731 now"
  assert_failure
  assert_output --partial "<** 550 5.7.1 Message refused as spam (score 2"
  run send bob@$D "refused-gtube" "$GTUBE"
  assert_output --partial "<** 550 5.7.1 Message refused as spam (score 100"
  queue_empty
  wait_for 5 grep -q 'posta-spamcheck: info: refused verdict=reject score=2[0-9.]* tests=.*REJECT_ME' "$PH/log/spamcheck/current"
  [ -z "$(delivered "$(md bob)" refused-)" ]
}

@test "spamcheck: a forged incoming X-Spam-Flag: YES on a clean message is removed, the message is in the INBOX" {
  run send bob@$D "forged-flag" "Nothing to see here." --add-header "X-Spam-Flag: YES" \
    --add-header "X-Spam-Report: forged" --add-header "X-SPAM-STATUS: Yes, score=99"
  assert_success
  wait_for 20 has_delivered "$(md bob)/new" forged-flag
  f=$(delivered "$(md bob)/new" forged-flag)
  ! grep -qi '^X-Spam-Flag' "$f"
  ! grep -q 'forged\|score=99' "$f"
  run grep -ci '^X-Spam-Status:' "$f"
  assert_output 1
  [ -z "$(delivered "$(md bob)/.Junk" forged-flag)" ]
}

@test "spamcheck: authenticated submission with GTUBE is not refused; scored, flagged and logged" {
  run swaks --server 127.0.0.1 --port "$SUBMISSION_PORT" -tls --auth PLAIN --auth-user alice@$D \
    --auth-password alicepw --from alice@$D --to bob@$D --header "Subject: auth-gtube" --body "$GTUBE"
  assert_success
  assert_output --partial "250 2.0.0 Ok: queued"
  wait_for 20 has_delivered "$(md bob)/.Junk/new" auth-gtube
  wait_for 5 grep -q 'posta-spamcheck: info: passed id=.* verdict=reject score=1000.0 tests=GTUBE .*trusted=1' "$PH/log/spamcheck/current"
}

@test "spamcheck: an error in the rules is a temporary refusal naming file:line, never acceptance unscanned" {
  wait_for 20 queue_empty
  control spamrules.local "body OK_RULE /fine/
body BROKEN /unclosed(/"
  run send bob@$D "rules-broken" "hello"
  assert_failure
  assert_output --partial "<** 451 4.7.1 Message not scanned, please try again later"
  queue_empty
  wait_for 5 grep -q "posta-spamcheck: warning: rules: $PH/control/spamrules.local:2: bad pattern at offset" "$PH/log/spamcheck/current"
  # with control/spamtrouble accept, the message passes marked as unscanned
  control spamtrouble accept
  run send bob@$D "rules-broken-accepted" "hello"
  rm -f "$PH/control/spamtrouble"
  assert_success
  wait_for 20 has_delivered "$(md bob)/new" rules-broken-accepted
  grep -q '^X-Spam-Status: Unscanned, rules: ' "$(delivered "$(md bob)/new" rules-broken-accepted)"
}

@test "spamcheck: a 30 MB message is queued intact with bounded memory (scan cap, rest spooled to spam/tmp)" {
  cat >"$PH/timed-spamcheck" <<SH
#!/bin/sh
exec /usr/bin/time -f 'maxrss_kb=%M' -a -o "$PH/spamcheck.rss" "$POSTA_BIN/posta-spamcheck"
SH
  chmod 755 "$PH/timed-spamcheck"; own "$PH/timed-spamcheck"
  control smtpqueue "$PH/timed-spamcheck"
  rm -f "$PH/spamcheck.rss"
  run "$PY" - "$SMTP_PORT" <<'PY'
import smtplib, sys
line = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789\r\n"
body = line * (30 * 1024 * 1024 // len(line))
msg = b"From: s@remote.example\r\nTo: bob@example.test\r\nSubject: big-30mb\r\n\r\n" + body + b"END-OF-BIG\r\n"
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=120)
print(s.sendmail("s@remote.example", ["bob@example.test"], msg))
s.quit()
print("sent", len(msg))
PY
  assert_success
  assert_output --partial "sent 3145"
  wait_for 60 has_delivered "$(md bob)/new" big-30mb
  f=$(delivered "$(md bob)/new" big-30mb)
  # 30 MiB of CRLF lines, stored with LF line ends
  [ "$(stat -c %s "$f")" -gt 31000000 ]
  tail -n 1 "$f" | grep -q END-OF-BIG
  rss=$(sed -n 's/^maxrss_kb=//p' "$PH/spamcheck.rss" | tail -n 1)
  echo "posta-spamcheck max RSS: ${rss} kB" >&3
  [ "$rss" -lt 65536 ]
  # a wrapper as the queue program has no resident daemon: it runs per message
  wait_for 5 grep -q 'verdict=ham .*size=310[0-9]* scanned=10485760' "$PH/log/smtpd/current"
  [ -z "$(ls -A "$PH/spam/tmp")" ]
}

@test "spamcheck: a 10,000-part MIME message is handled (no crash, bounded time): refused as unscannable, delivered when allowed" {
  cat >"$BATS_TEST_TMPDIR/bomb.py" <<'PY'
import smtplib, sys, time
parts = []
for i in range(10000):
    parts.append("--b\r\nContent-Type: text/plain\r\n\r\npart %d\r\n" % i)
msg = ("From: s@remote.example\r\nTo: bob@example.test\r\nSubject: mime-bomb\r\nMIME-Version: 1.0\r\n"
       "Content-Type: multipart/mixed; boundary=b\r\n\r\n" + "".join(parts) + "--b--\r\n")
t = time.time()
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=60)
try:
    print(s.sendmail("s@remote.example", ["bob@example.test"], msg))
except smtplib.SMTPDataError as e:
    print(e.smtp_code, e.smtp_error.decode())
s.quit()
print("elapsed %.1f" % (time.time() - t))
PY
  # the shipped control/attachmentpolicy refuses what it cannot look into fully
  run timeout 60 "$PY" "$BATS_TEST_TMPDIR/bomb.py" "$SMTP_PORT"
  assert_success
  assert_line "550 5.7.1 Message refused: blocked attachment message: more than 5000 MIME parts"
  sed 's/^unscannable refuse$/unscannable allow/' "$POSTA_SRC/etc/control/attachmentpolicy" >"$PH/control/attachmentpolicy"
  run timeout 60 "$PY" "$BATS_TEST_TMPDIR/bomb.py" "$SMTP_PORT"
  cp "$POSTA_SRC/etc/control/attachmentpolicy" "$PH/control/attachmentpolicy"
  assert_success
  wait_for 30 has_delivered "$(md bob)/new" mime-bomb
  wait_for 5 grep -q 'posta-spamcheck: info: passed id=.* verdict=ham' "$PH/log/spamcheck/current"
}

@test "spamcheck: imaplib sees GTUBE in Junk and the clean message in INBOX" {
  # GTUBE from alice to herself through submission: scored, flagged, kept (spamreject is 15)
  run swaks --server 127.0.0.1 --port "$SUBMISSION_PORT" -tls --auth PLAIN --auth-user alice@$D \
    --auth-password alicepw --from alice@$D --to alice@$D --header "Subject: imap-gtube" --body "$GTUBE"
  assert_success
  run send alice@$D "imap-clean" "A clean note"
  assert_success
  wait_for 20 has_delivered "$(md alice)/.Junk/new" imap-gtube
  wait_for 20 has_delivered "$(md alice)/new" imap-clean
  run "$PY" - "$IMAP_PORT" <<'PY'
import imaplib, sys
import ssl
m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
m.starttls(ssl_context=ssl._create_unverified_context())
m.login("alice@example.test", "alicepw")
for box in ("INBOX", "Junk"):
    m.select(box, readonly=True)
    typ, data = m.search(None, "HEADER", "X-Spam-Flag", "YES")
    flagged = len(data[0].split())
    typ, data = m.search(None, "ALL")
    print(box, len(data[0].split()), "flagged", flagged)
m.logout()
PY
  assert_success
  assert_line "INBOX 1 flagged 0"
  assert_line "Junk 1 flagged 1"
}

@test "spamcheck: check prints the verdict, the score and every contribution; --json too" {
  printf 'From: a@b.example\nSubject: FREE MONEY OFFER NOW!!!\n\nclick http://bit.ly/x %s\n' "$GTUBE" >"$BATS_TEST_TMPDIR/m1"
  printf 'From: a@b.example\nTo: c@d.example\nSubject: hi\nDate: Mon, 7 Dec 2026 10:00:00 +0000\nMessage-ID: <x@b.example>\n\nhello\n' >"$BATS_TEST_TMPDIR/m2"
  run "$POSTA_BIN/posta-spamcheck" check "$BATS_TEST_TMPDIR/m1" "$BATS_TEST_TMPDIR/m2"
  assert_success
  assert_line "$BATS_TEST_TMPDIR/m1: reject, score 1006.3 (spam at 5.0, refused at 15.0)"
  assert_line "  refusal: 5.7.1 Message refused as spam (score 1006.3)"
  assert_line --regexp '^ +1000\.0  GTUBE  Generic Test for Unsolicited Bulk Email$'
  assert_line --regexp '^ +1\.0  URL_SHORTENER  Link through a URL shortener$'
  assert_line "$BATS_TEST_TMPDIR/m2: ham, score 0.0 (spam at 5.0, refused at 15.0)"
  run "$POSTA_BIN/posta-spamcheck" check --json "$BATS_TEST_TMPDIR/m1"
  assert_success
  echo "$output" | "$PY" -c '
import json, sys
r = json.load(sys.stdin)[0]
assert r["verdict"] == "reject" and r["score"] > 1000, r
assert r["refusal"].startswith("5.7.1 Message refused as spam"), r
assert {"name": "GTUBE", "score": 1000.0, "description": "Generic Test for Unsolicited Bulk Email"} in r["contributions"], r
'
  run "$POSTA_BIN/posta-spamcheck" check "$BATS_TEST_TMPDIR/nonexistent"
  assert_failure 111
  control spamrules.local "meta LOOP LOOP"
  run "$POSTA_BIN/posta-spamcheck" check "$BATS_TEST_TMPDIR/m2"
  assert_failure 111
  assert_output --partial "spamrules.local:1: meta rules LOOP and LOOP use each other"
}

@test "spamcheck: the resident filter (serve) takes the messages; down or killed, posta-smtpd runs posta-spamcheck itself" {
  wait_for 20 test -S "$PH/run/spamcheck.sock"
  run send bob@$D "resident-1" "through the resident filter"
  assert_success
  wait_for 5 grep -q 'posta-spamcheck: info: passed id=.* verdict=ham .*from=<sender@remote.example>' "$PH/log/spamcheck/current"
  # a rule added while it runs is used by the next message, without a restart
  control spamrules.local 'body RESIDENT_RULE /resident-marker/
score RESIDENT_RULE 3.5'
  run send bob@$D "resident-2" "has a resident-marker in it"
  assert_success
  wait_for 20 has_delivered "$(md bob)/new" resident-2
  grep -q '^[[:space:]]*tests=.*RESIDENT_RULE' "$(delivered "$(md bob)/new" resident-2)"
  # down: posta-smtpd runs the filter per message, which logs in its own log
  s6-svc -wD -d "$PH/service/spamcheck"
  run send bob@$D "resident-3" "without the resident filter"
  assert_success
  wait_for 5 grep -q 'posta-spamcheck: info: passed id=.* verdict=ham' "$PH/log/smtpd/current"
  s6-svc -wU -u "$PH/service/spamcheck"
  # kill -9 while idle: s6 restarts it and the next message goes through it again
  local before
  before=$(grep -c 'posta-spamcheck: info: passed' "$PH/log/spamcheck/current")
  pkill -9 -f "posta-spamcheck serve -D $PH/run/spamcheck.sock"
  wait_for 20 _instance_ready "$PH/service/spamcheck"
  run send bob@$D "resident-4" "after the kill"
  assert_success
  wait_for 20 has_delivered "$(md bob)/new" resident-4
  wait_for 5 test "$(grep -c 'posta-spamcheck: info: passed' "$PH/log/spamcheck/current")" -gt "$before"
  # SIGHUP: the workers end after their message and fresh ones take the next
  local daemon workers
  daemon=$(s6-svstat -o pid "$PH/service/spamcheck")
  workers=$(pgrep -P "$daemon" | sort | tr '\n' ' ')
  [ -n "$workers" ]
  # idle workers wait: the same ones a second later
  sleep 1
  [ "$(pgrep -P "$daemon" | sort | tr '\n' ' ')" = "$workers" ]
  s6-svc -h "$PH/service/spamcheck"
  wait_for 10 eval '[ -n "$(pgrep -P "$daemon")" ] && [ "$(pgrep -P "$daemon" | sort | tr "\n" " ")" != "$workers" ]'
  run send bob@$D "resident-5" "after SIGHUP"
  assert_success
  wait_for 20 has_delivered "$(md bob)/new" resident-5
  # a frame from a process that is not a posta server: not a posta-spamcheck frame, closed
  run python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"posta-queued 1\n\n"); print(s.recv(16))' "$PH/run/spamcheck.sock"
  assert_output "b''"
}
