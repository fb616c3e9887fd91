#!/usr/bin/env bats
# The queue: posta-queue, posta-send and family, posta-sendmail, posta-mailq/qstat/qctl,
# end to end with the real posta-local against a real instance.

load ../lib/instance

setup_file() {
  instance_create example.test
  local c=$PH/control
  echo 3600 >"$c/retrybase"        # retries only when a test asks (flush)
  echo dbl@example.test >"$c/doublebounceto"
  echo .sub.example.test >>"$c/locals"   # every subdomain of sub.example.test is local
  for u in u1 u2 u3 u4 u5 sender dbl; do posta user add "$u@example.test" --no-password >/dev/null; done
  posta user add quota@example.test --no-password --quota-bytes 100 >/dev/null
  instance_start
  wait_for 20 test -S "$PH/queue/lock/control"
}

teardown_file() { instance_stop; }

setup() { load_helpers; }

queue_empty() { [ -z "$(posta mailq --json)" ]; }
# grep_maildir USER PATTERN: some message of USER matches
grep_maildir() { grep -rlq -- "$2" "$PH/mail/example.test/$1/new" "$PH/mail/example.test/$1/cur" 2>/dev/null; }
count_matching() { grep -rl -- "$2" "$PH/mail/example.test/$1/new" 2>/dev/null | wc -l; }
send_cmd() { "$POSTA_BIN/posta-sendmail" "$@"; }

@test "posta-queue: plain qmail envelope accepted, id on POSTA_QUEUE_IDFD, Received line added" {
  run bash -c "printf 'Subject: idfd\n\nx\n' | POSTA_QUEUE_IDFD=7 '$POSTA_BIN/posta-queue' 7>&1 1< <(printf 'Fsender@example.test\0Tu1@example.test\0\0')"
  assert_success
  assert_output --regexp '^[0-9A-F]{13}\.[0-9]+$'
  wait_for 20 grep_maildir u1 "Subject: idfd"
  run grep -rh "^Received: (posta-queue $output invoked by uid" "$PH/mail/example.test/u1/new"
  assert_success
}

@test "posta-queue: a message given up before its envelope is an info line, a cut envelope a warning" {
  run bash -c "echo x | '$POSTA_BIN/posta-queue' 1</dev/null"
  assert_failure
  assert_output --partial "info: no envelope: the message was given up, nothing queued"
  refute_output --partial "warning"
  run bash -c "echo x | '$POSTA_BIN/posta-queue' 1< <(printf 'Fa@b\0Tc@d\0')"
  assert_failure 91
  assert_output --partial "warning"
}

@test "posta-queue refuses bad envelopes (91), long addresses (11); nothing left in todo/" {
  local before
  before=$(ls "$PH/queue/mess" | wc -l)
  for env in 'Fa@b\0\0' 'Fa@b\0Tc@d\0' 'Tc@d\0\0' 'Fa@b\0Tc@d\0\0junk' 'Fa@b\0Tc@d\0Nbogus\0\0' 'Fa@b\0Xc@d\0\0'; do
    run bash -c "echo x | '$POSTA_BIN/posta-queue' 1< <(printf '$env')"
    assert_failure 91
  done
  long=$(head -c 1200 /dev/zero | tr '\0' a)
  run bash -c "echo x | '$POSTA_BIN/posta-queue' 1< <(printf 'Fa@b\0T${long}@d\0\0')"
  assert_failure 11
  [ "$(ls "$PH/queue/mess" | wc -l)" = "$before" ]
  [ -z "$(ls "$PH/queue/intd")" ]
}

@test "posta-queue: over control/databytes exits 82 with a D message on fd 6" {
  cp "$PH/control/databytes" "$BATS_TEST_TMPDIR/databytes" 2>/dev/null || true
  echo 1000 >"$PH/control/databytes"
  run bash -c "head -c 5000 /dev/zero | tr '\0' x | '$POSTA_BIN/posta-queue' 6>&1 2>/dev/null 1< <(printf 'Fa@b\0Tu1@example.test\0\0')"
  if [ -f "$BATS_TEST_TMPDIR/databytes" ]; then cp "$BATS_TEST_TMPDIR/databytes" "$PH/control/databytes"; else rm "$PH/control/databytes"; fi
  assert_failure 82
  assert_output --partial "D5.3.4 Message too big"
}

# queue_in MESSAGE-FILE: posta-queue with that message for u1; fd 6 (the refusal) on stdout
queue_in() {
  run bash -c "'$POSTA_BIN/posta-queue' <'$1' 6>&1 2>/dev/null 1< <(printf 'Fs@example.test\0Tu1@example.test\0\0')"
}

@test "posta-queue: one rule for lines: CRLF stored as LF; bare CR, NUL, lines over 998 octets refused (82, D5.6.0)" {
  local t=$BATS_TEST_TMPDIR before
  before=$(ls "$PH/queue/mess" | wc -l)
  # the smuggling shape: a receiver that ends lines on CR would see a second transaction
  printf 'Subject: smuggle\n\nhello\r.\rMAIL FROM:<x@evil.test>\rRCPT TO:<u2@example.test>\rDATA\r\n' >"$t/cr"
  printf 'Subject: lonecr\n\nlast\r' >"$t/crend"
  printf 'Subject: nul\n\na\0b\n' >"$t/nul"
  { printf 'Subject: longhead '; head -c 990 /dev/zero | tr '\0' h; printf '\n\nbody\n'; } >"$t/longhead"
  { printf 'Subject: longbody\n\n'; head -c 999 /dev/zero | tr '\0' b; printf '\r\n'; } >"$t/longbody"
  for f in cr crend; do
    queue_in "$t/$f"
    assert_failure 82
    assert_output "D5.6.0 Message contains a bare CR (see RFC 5321 2.3.8)"
  done
  queue_in "$t/nul"
  assert_failure 82
  assert_output "D5.6.0 Message contains a NUL character"
  for f in longhead longbody; do
    queue_in "$t/$f"
    assert_failure 82
    assert_output "D5.6.0 Message contains a line longer than 998 characters"
  done
  [ "$(ls "$PH/queue/mess" | wc -l)" = "$before" ]
  [ -z "$(ls "$PH/queue/intd")" ]
  # CRLF and LF line ends: stored (and delivered) as LF, a 998-octet line kept whole
  { printf 'Subject: crlf ok\r\n\r\nline one\r\nline two\n'; head -c 998 /dev/zero | tr '\0' k; printf '\r\n'; } >"$t/crlf"
  queue_in "$t/crlf"
  assert_success
  wait_for 20 grep_maildir u1 "^Subject: crlf ok$"
  f=$(grep -rl "^Subject: crlf ok$" "$PH/mail/example.test/u1/new")
  run grep -c $'\r' "$f"
  assert_output 0
  grep -qx "line two" "$f"
  grep -qx "$(head -c 998 /dev/zero | tr '\0' k)" "$f"
}

@test "posta-sendmail and posta-smtpd refuse the same long-line and bare-CR messages with the same reason" {
  local t=$BATS_TEST_TMPDIR
  long=$(head -c 1200 /dev/zero | tr '\0' L)
  run bash -c "printf 'Subject: long sendmail\n\n%s\n' '$long' | '$POSTA_BIN/posta-sendmail' u1@example.test"
  assert_failure 65
  assert_output --partial "posta-sendmail: message not queued: 5.6.0 Message contains a line longer than 998 characters"
  run bash -c "printf 'Subject: cr sendmail\n\nhello\r.\rQUIT\n' | '$POSTA_BIN/posta-sendmail' u1@example.test"
  assert_failure 65
  assert_output --partial "posta-sendmail: message not queued: 5.6.0 Message contains a bare CR"
  run swaks --server 127.0.0.1 --port "$SMTP_PORT" --from s@remote.example --to u1@example.test \
    --header "Subject: long smtpd" --body "$long"
  assert_failure
  assert_output --partial "<** 554 5.6.0 Message contains a line longer than 998 characters"
  # 998 octets pass both ways
  ok=$(head -c 998 /dev/zero | tr '\0' O)
  run bash -c "printf 'Subject: ok sendmail\n\n%s\n' '$ok' | '$POSTA_BIN/posta-sendmail' u1@example.test"
  assert_success
  wait_for 20 grep_maildir u1 "^Subject: ok sendmail$"
  run grep_maildir u1 "Subject: long sendmail"
  assert_failure
  run grep_maildir u1 "Subject: cr sendmail"
  assert_failure
}

@test "1,000 messages through posta-sendmail to 5 users: each exactly once, headers added, queue empty" {
  seq 1 1000 | xargs -P 4 -I{} sh -c \
    'printf "To: u$(( {} % 5 + 1 ))@example.test\nSubject: bulk {}\n\nmessage {}\n" | "$0" -t -f sender@example.test' \
    "$POSTA_BIN/posta-sendmail"
  all_in() { [ "$(cat "$PH"/mail/example.test/u[1-5]/new/* | grep -c '^Subject: bulk ')" -ge 1000 ]; }
  wait_for 120 all_in
  wait_for 30 queue_empty
  for i in 1 2 3 4 5; do
    n=$(grep -l '^Subject: bulk ' "$PH/mail/example.test/u$i/new/"* | wc -l)
    [ "$n" = 200 ] || { echo "u$i has $n bulk messages"; return 1; }
  done
  dups=$(cat "$PH"/mail/example.test/u[1-5]/new/* | grep '^Subject: bulk ' | sort | uniq -d | wc -l)
  [ "$dups" = 0 ]
  # a message in the right box, with the headers sendmail and the queue add
  f=$(grep -l '^Subject: bulk 7$' "$PH/mail/example.test/u3/new/"*)
  run cat "$f"
  assert_line --regexp '^Date: '
  assert_line --regexp '^Message-ID: <.*@example.test>$'
  assert_line --regexp '^From: .*sender@example.test'
  assert_line --regexp '^Received: \(posta-queue '
  assert_line 'Return-Path: <sender@example.test>'
  assert_line 'Delivered-To: u3@example.test'
  run posta mailq
  assert_output "Mail queue is empty"
}

@test "posta-sendmail: argv recipients, -F, -i keeps a lone dot, Bcc removed with -t, no recipients is an error" {
  printf 'Subject: dots\n\nline\n.\nafter\n' | send_cmd -i -F 'Test User' -f sender@example.test u1@example.test
  wait_for 20 grep_maildir u1 "Subject: dots"
  f=$(grep -l '^Subject: dots' "$PH/mail/example.test/u1/new/"*)
  run cat "$f"
  assert_line 'after'
  assert_line 'From: "Test User" <sender@example.test>'
  printf 'To: u1@example.test\nBcc: u2@example.test\nSubject: bcc test\n\nx\n' | send_cmd -t -f sender@example.test
  wait_for 20 grep_maildir u2 "Subject: bcc test"
  run grep -rh '^Bcc:' "$PH/mail/example.test/u2/new"
  assert_output ""
  run bash -c "printf 'Subject: none\n\nx\n' | '$POSTA_BIN/posta-sendmail' -t"
  assert_failure 64
  run "$POSTA_BIN/posta-sendmail" -Z
  assert_failure 64
}

# bs_session: python smtplib speaking to "posta-sendmail -bs" over a socketpair (swaks
# --pipe is not used: swaks ignores SIGCHLD, which its child inherits). Sends one message,
# then commands out of order and malformed, printing each reply code.
bs_session() {
  /usr/bin/python3 - "$POSTA_BIN/posta-sendmail" <<'PY'
import smtplib, socket, subprocess, sys
mine, theirs = socket.socketpair()
p = subprocess.Popen([sys.argv[1], "-bs"], stdin=theirs, stdout=theirs, stderr=subprocess.DEVNULL)
theirs.close()
s = smtplib.SMTP()
s.sock = mine
print("greeting", s.getreply()[0])
s.ehlo("localhost")
s.sendmail("sender@example.test", ["u4@example.test"],
           "From: sender@example.test\r\nTo: u4@example.test\r\nSubject: via bs\r\n\r\nover the pipe\r\n")
print("sent")
for cmd in ("RCPT TO:<u4@example.test>", "MAIL FROM:<no-closing-bracket", "BOGUS"):
    print(cmd.split(":")[0], s.docmd(cmd)[0])
print("quit", s.quit()[0])
sys.exit(p.wait(timeout=30))
PY
}

@test "posta-sendmail -bs: a message submitted over SMTP on stdin/stdout is delivered; bad input gets SMTP errors" {
  run bs_session
  assert_success
  assert_line 'greeting 220'
  assert_line 'sent'
  assert_line 'RCPT TO 503'
  assert_line 'MAIL FROM 501'
  assert_line --regexp '^BOGUS 50[02]$'
  assert_line 'quit 221'
  wait_for 20 grep_maildir u4 "Subject: via bs"
  run grep -h '^Return-Path:' $(grep -rl 'Subject: via bs' "$PH/mail/example.test/u4/new")
  assert_output 'Return-Path: <sender@example.test>'
}

@test "forward (alias), sub-address, list with 3 members, catch-all" {
  posta alias add fwd@example.test u4@example.test
  posta list create list@example.test --posting anyone >/dev/null
  posta list add list@example.test u1@example.test u2@example.test u3@example.test >/dev/null
  posta domain add other.test --catchall u5@example.test >/dev/null
  for r in fwd@example.test u3+news@example.test list@example.test anything@other.test; do
    printf 'Subject: route %s\n\nx\n' "$r" | send_cmd -f sender@example.test "$r"
  done
  wait_for 30 grep_maildir u4 "Subject: route fwd@example.test"
  wait_for 30 grep_maildir u3 "Subject: route u3+news@example.test"
  for u in u1 u2 u3; do wait_for 30 grep_maildir $u "Subject: route list@example.test"; done
  run grep -rh '^List-Id:' "$PH/mail/example.test/u2/new"
  assert_output --partial 'list.example.test'
  wait_for 30 grep_maildir u5 "Subject: route anything@other.test"
  wait_for 30 queue_empty
}

@test "unknown user: a DSN (multipart/report, 5.1.1) comes back to the sender's Maildir" {
  printf 'Subject: to nobody\n\nx\n' | send_cmd -f sender@example.test nobody@example.test
  wait_for 30 grep_maildir sender "Final-Recipient: rfc822; nobody@example.test"
  f=$(grep -rl 'Final-Recipient: rfc822; nobody@example.test' "$PH/mail/example.test/sender/new")
  run cat "$f"
  assert_line --partial 'Content-Type: multipart/report; report-type=delivery-status;'
  assert_line 'Action: failed'
  assert_line 'Status: 5.1.1'
  assert_line 'Subject: to nobody'
  assert_line 'Return-Path: <>'
  wait_for 30 queue_empty
}

@test "loop: two aliases pointing at each other bounce instead of looping" {
  posta alias add loopa@example.test loopb@example.test
  posta alias add loopb@example.test loopa@example.test
  printf 'Subject: loop test\n\nx\n' | send_cmd -f sender@example.test loopa@example.test
  wait_for 60 grep_maildir sender "Subject: loop test"
  wait_for 60 queue_empty
  n=$(grep -rl 'Subject: loop test' "$PH/mail/example.test/sender/new" | wc -l)
  [ "$n" -ge 1 ] && [ "$n" -le 2 ]
}

@test "a failed bounce (null sender) goes to doublebounceto once, never loops" {
  run bash -c "printf 'Subject: dead bounce\n\nx\n' | '$POSTA_BIN/posta-queue' 1< <(printf 'F\0Tghost@example.test\0\0')"
  assert_success
  wait_for 30 grep_maildir dbl "Subject: dead bounce"
  wait_for 30 queue_empty
  [ "$(count_matching dbl 'Subject: dead bounce')" = 1 ]
}

@test "posta-send: a '.suffix' line of control/locals makes its subdomains local, as in posta-smtpd" {
  printf 'Subject: to a local subdomain\n\nx\n' | send_cmd -f sender@example.test nobody@a.sub.example.test
  wait_for 30 grep -q 'to=<nobody@a.sub.example.test> agent=local status=failed' "$PH/log/send/current"
  wait_for 30 grep_maildir sender 'nobody@a.sub.example.test'
  wait_for 30 queue_empty
}

@test "over quota: deferred (mailq shows it), delivered after the quota is raised and posta-qctl flush" {
  printf 'Subject: big for quota\n\n%s\n' "$(head -c 4000 /dev/zero | tr '\0' q | fold -w 76)" | send_cmd -f sender@example.test quota@example.test
  deferred() { posta mailq --json | grep -q '"state":"deferred"'; }
  wait_for 30 deferred
  run posta mailq
  assert_output --partial "quota@example.test"
  assert_output --partial "deferred"
  run posta qstat --json
  assert_output --partial '"deferred":1'
  posta user set quota@example.test --quota-bytes 0
  run posta qctl flush
  assert_success
  wait_for 30 grep_maildir quota "Subject: big for quota"
  wait_for 30 queue_empty
}

@test "posta-qctl: hold, release, bounce, delete on a deferred message; unknown id and bad input" {
  posta user set quota@example.test --quota-bytes 100
  printf 'Subject: qctl one\n\n%s\n' "$(head -c 4000 /dev/zero | tr '\0' q | fold -w 76)" | send_cmd -f sender@example.test quota@example.test
  printf 'Subject: qctl two\n\n%s\n' "$(head -c 4000 /dev/zero | tr '\0' q | fold -w 76)" | send_cmd -f sender@example.test quota@example.test
  two_deferred() { [ "$(posta mailq --json | grep -c '"state":"deferred"')" = 2 ]; }
  wait_for 30 two_deferred
  id1=$(posta mailq --json | head -1 | $PY -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  id2=$(posta mailq --json | tail -1 | $PY -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  run posta qctl hold "$id1"
  assert_success
  run posta mailq
  assert_output --partial "HELD"
  run posta qctl release "$id1"
  assert_success
  run posta qctl bounce "$id1"
  assert_success
  wait_for 30 grep_maildir sender "Subject: qctl one"
  run posta qctl delete "$id2"
  assert_success
  wait_for 30 queue_empty
  run grep -rl "Subject: qctl two" "$PH/mail/example.test/sender/new"
  assert_failure
  run posta qctl retry 6956A1800A2F3.1
  assert_failure 1
  assert_output --partial "no such message"
  run posta qctl retry ../../etc
  assert_failure 2
  run posta qctl frobnicate
  assert_failure 2
  posta user set quota@example.test --quota-bytes 0
}

@test "queuelifetime: a message deferred past its lifetime bounces with the last reason" {
  posta user set quota@example.test --quota-bytes 100
  echo 3 >"$PH/control/queuelifetime"
  s6-svc -h "$PH/service/send"
  printf 'Subject: expires\n\n%s\n' "$(head -c 4000 /dev/zero | tr '\0' q | fold -w 76)" | send_cmd -f sender@example.test quota@example.test
  wait_for 30 grep_maildir sender "Subject: expires"
  f=$(grep -rl 'Subject: expires' "$PH/mail/example.test/sender/new")
  run cat "$f"
  assert_line 'Action: failed'
  assert_output --partial "queue lifetime expired"
  echo 604800 >"$PH/control/queuelifetime"
  s6-svc -h "$PH/service/send"
  posta user set quota@example.test --quota-bytes 0
  wait_for 30 queue_empty
}

@test "posta-sendmail -bp lists the queue; -q flushes" {
  run "$POSTA_BIN/posta-sendmail" -bp
  assert_success
  assert_output "Mail queue is empty"
  run "$POSTA_BIN/posta-sendmail" -q
  assert_success
}

@test "spool: nothing root-owned, no leftovers in intd/ or todo/" {
  if [ "$(id -u)" = 0 ]; then
    run find "$PH/queue" -user root
    assert_output ""
  fi
  [ -z "$(ls -A "$PH/queue/intd")" ] && [ -z "$(ls -A "$PH/queue/todo")" ]
}

@test "posta-send's sweep removes an uncommitted injection only after 36 hours untouched, whatever its pid" {
  # the ids say "now" and name a live pid (1) or none (99999999): only the age of the files counts
  local now old young
  now=$(printf '%08X' "$(date +%s)")
  old=${now}00002.1 young=${now}00001.99999999
  for id in "$old" "$young"; do
    as_owner sh -c "echo partial >'$PH/queue/mess/$id' && echo partial >'$PH/queue/intd/$id'"
  done
  touch -d '37 hours ago' "$PH/queue/mess/$old"
  s6-svc -r "$PH/service/send"   # the sweep runs at start-up
  wait_for 20 test ! -e "$PH/queue/mess/$old"
  wait_for 20 test ! -e "$PH/queue/intd/$old"
  wait_for 20 test -S "$PH/queue/lock/control"
  run posta mailq
  assert_output "Mail queue is empty"
  [ -e "$PH/queue/mess/$young" ] && [ -e "$PH/queue/intd/$young" ]
  rm -f "$PH/queue/mess/$young" "$PH/queue/intd/$young"
}

@test "full disk: posta-queue exits 53 and leaves nothing in todo/ (tmpfs, root only)" {
  [ "$(id -u)" = 0 ] || skip "needs root to mount a small tmpfs"
  d=$BATS_TEST_TMPDIR/full
  mkdir -p "$d"
  mount -t tmpfs -o size=1m tmpfs "$d" || skip "cannot mount tmpfs here"
  mkdir -p "$d/control"
  # 3 MB of 76-octet lines (NULs or one long line would be refused before the disk fills)
  run bash -c "head -c 3000000 /dev/zero | tr '\0' x | fold -w 76 | POSTA_HOME='$d' '$POSTA_BIN/posta-queue' 1< <(printf 'Fa@b\0Tc@d\0\0')"
  ls -la "$d/queue/mess" "$d/queue/todo" "$d/queue/intd" >&2
  mess=$(ls "$d/queue/mess" | wc -l) todo=$(ls "$d/queue/todo" | wc -l) intd=$(ls "$d/queue/intd" | wc -l)
  umount "$d"
  assert_failure 53
  [ "$todo" = 0 ] && [ "$mess" = 0 ] && [ "$intd" = 0 ]
}
