#!/usr/bin/env bats
# posta-pop3d through posta-tcpd and posta-tlsd, with poplib, curl and fetchmail.

load ../lib/instance
FIX=$BATS_TEST_DIRNAME/../fixtures/posta-pop3d

setup_file() {
  instance_create example.test
  echo yes >"$PH/control/authplaintext"
  echo 3 >"$PH/control/timeoutpop3d"
  printf 'secret-one\n' | posta user add alice@example.test --password-stdin >&2
  printf 'secret-two\n' | posta user add bob@example.test --password-stdin >&2
  instance_start
}

teardown_file() { instance_stop; }

setup() { load_helpers; }

# put_mail USER N: N messages in the user's new/, as a delivery agent would leave them
put_mail() {
  local dir=$PH/mail/example.test/$1 i
  for i in $(seq 1 "$2"); do
    printf 'From: sender@example.org\nTo: %s@example.test\nSubject: message %s\n\nline one\nline two\nline three\n.leading dot\nend\n' "$1" "$i" \
      >"$dir/tmp/$i.$$.$RANDOM.bats"
    mv "$dir/tmp/"*.bats "$dir/new/"
  done
  chown -R "$(stat -c %U "$PH")" "$dir"
}

clear_mail() { rm -f "$PH/mail/example.test/$1"/{new,cur}/*; }

@test "poplib: STAT LIST RETR TOP DELE RSET NOOP QUIT, sizes match what RETR sends" {
  clear_mail alice; put_mail alice 3
  run $PY "$FIX/pop3check.py" commands "$POP3_PORT" alice@example.test secret-one
  assert_success
  assert_output "ok"
}

@test "poplib: UIDL is stable over two sessions" {
  clear_mail alice; put_mail alice 4
  run $PY "$FIX/pop3check.py" uidl "$POP3_PORT" alice@example.test secret-one
  assert_success
  assert_output "ok"
}

@test "RETR moves the message from new/ to cur/" {
  clear_mail bob; put_mail bob 1
  run curl -s --user bob@example.test:secret-two "pop3://127.0.0.1:$POP3_PORT/1"
  assert_success
  assert_output --partial "Subject: message 1"
  [ "$(ls "$PH/mail/example.test/bob/new" | wc -l)" = 0 ]
  [ "$(ls "$PH/mail/example.test/bob/cur" | wc -l)" = 1 ]
}

# count DIR: the files in it
count() { ls "$1" | wc -l; }

@test "retrieved messages leave new/ at the end of the session, also a dropped one; RETR+DELE ones are only removed" {
  clear_mail bob; put_mail bob 2
  local dir=$PH/mail/example.test/bob
  run $PY - "$POP3_PORT" <<'PYEOF'
import poplib, sys
p = poplib.POP3("127.0.0.1", int(sys.argv[1]), timeout=10)
p.user("bob@example.test"); p.pass_("secret-two")
p.retr(1); p.dele(1)
p.sock.close()  # dropped: nothing deleted, message 1 still leaves new/
PYEOF
  assert_success
  wait_for 10 eval '[ "$(count "$dir/cur")" = 1 ]'
  [ "$(count "$dir/new")" = 1 ]
  run $PY - "$POP3_PORT" <<'PYEOF'
import poplib, sys, time
for attempt in range(100):  # the dropped session may still hold the lock for a moment
    p = poplib.POP3("127.0.0.1", int(sys.argv[1]), timeout=10)
    p.user("bob@example.test")
    try:
        p.pass_("secret-two"); break
    except poplib.error_proto as e:
        assert b"IN-USE" in e.args[0], e; p.sock.close(); time.sleep(0.05)
assert p.stat()[0] == 2
p.retr(1); p.retr(2); p.dele(2)
print(p.quit().decode())
PYEOF
  assert_success
  assert_output --partial "+OK"
  [ "$(count "$dir/new")" = 0 ]
  [ "$(count "$dir/cur")" = 1 ]
}

# list_matches_retr USER PASSWORD: LIST sizes equal what RETR sends, for every message
list_matches_retr() {
  $PY - "$POP3_PORT" "$1" "$2" <<'PYEOF'
import poplib, sys
p = poplib.POP3("127.0.0.1", int(sys.argv[1]), timeout=10)
p.user(sys.argv[2]); p.pass_(sys.argv[3])
for entry in p.list()[1]:
    n, size = map(int, entry.split())
    sent = sum(len(l) + 2 for l in p.retr(n)[1])  # poplib strips CRLF and the stuffed dots
    assert size == sent, (n, size, sent)
p.quit(); print("ok")
PYEOF
}

@test "CRLF sizes of messages without ,W= are cached; a stale or damaged cache entry is not trusted" {
  clear_mail alice; put_mail alice 3
  # a name that claims a huge size on disk: never allocated, the file is read as it is
  printf 'Subject: big?\n\nsmall\n' >"$PH/mail/example.test/alice/new/1.bogus,S=999999999999"
  chown "$(stat -c %U "$PH")" "$PH/mail/example.test/alice/new/1.bogus,S=999999999999"
  local cache=$PH/mail/example.test/alice/posta-pop3.sizes
  rm -f "$cache"
  run list_matches_retr alice@example.test secret-one
  assert_output "ok"
  [ "$(wc -l <"$cache")" = 4 ]
  # wrong sizes under a wrong size on disk (as if the files had changed), junk, a torn line
  awk '{$1 = $1 + 1; $2 = 7; print}' "$cache" >"$cache.new"
  printf 'junk line\n12 x y\n99 99' >>"$cache.new"
  mv "$cache.new" "$cache"
  run list_matches_retr alice@example.test secret-one
  assert_output "ok"
  [ "$(wc -l <"$cache")" = 4 ]
  run ! grep -q junk "$cache"
}

@test "curl pop3 lists, curl pop3s retrieves over implicit TLS" {
  clear_mail bob; put_mail bob 2
  run curl -s --user bob@example.test:secret-two "pop3://127.0.0.1:$POP3_PORT/"
  assert_success
  assert_line --regexp '^2 [0-9]+'
  run curl -s -k --user bob@example.test:secret-two "pop3s://127.0.0.1:$POP3S_PORT/2"
  assert_success
  assert_output --partial "Subject: message 2"
}

@test "STLS then login with poplib; CAPA before TLS offers STLS" {
  clear_mail bob; put_mail bob 2
  run $PY "$FIX/pop3check.py" capa-preauth "$POP3_PORT" x y
  assert_success
  assert_output --partial "STLS"
  run $PY "$FIX/pop3check.py" stls "$POP3_PORT" bob@example.test secret-two
  assert_success
  assert_output "2"
}

@test "without authplaintext, USER before TLS is refused and SASL is not offered" {
  rm "$PH/control/authplaintext"
  run $PY "$FIX/pop3check.py" capa-preauth "$POP3_PORT" x y
  echo yes >"$PH/control/authplaintext"
  assert_success
  refute_output --partial "SASL"
  rm "$PH/control/authplaintext"
  run curl -s --user bob@example.test:secret-two "pop3://127.0.0.1:$POP3_PORT/"
  echo yes >"$PH/control/authplaintext"
  assert_failure
}

@test "a second concurrent session gets [IN-USE]; the lock goes with the first session" {
  clear_mail alice; put_mail alice 1
  run $PY "$FIX/pop3check.py" in-use "$POP3_PORT" alice@example.test secret-one
  assert_success
  assert_output "ok"
}

@test "a dropped connection after DELE deletes nothing" {
  clear_mail alice; put_mail alice 2
  run $PY "$FIX/pop3check.py" drop-after-dele "$POP3_PORT" alice@example.test secret-one
  assert_success
}

@test "kill -9 of posta-pop3d after DELE deletes nothing" {
  clear_mail alice; put_mail alice 2
  run $PY - "$POP3_PORT" <<'PYEOF'
import poplib, subprocess, sys
p = poplib.POP3("127.0.0.1", int(sys.argv[1]), timeout=10)
p.user("alice@example.test"); p.pass_("secret-one")
p.dele(1)
subprocess.run(["pkill", "-9", "-f", "posta-pop3d --post-auth"], check=True)
try:
    p.noop(); raise SystemExit("session survived kill -9")
except (poplib.error_proto, OSError, EOFError):
    pass
p = poplib.POP3("127.0.0.1", int(sys.argv[1]), timeout=10)
p.user("alice@example.test"); p.pass_("secret-one")
print(p.stat()[0]); p.quit()
PYEOF
  assert_success
  assert_output "2"
}

@test "bad input: unknown command, wrong state, overlong line, bad AUTH base64" {
  run $PY - "$POP3_PORT" <<'PYEOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
f = s.makefile("rb")
def cmd(line):
    s.sendall(line + b"\r\n")
    return f.readline()
assert f.readline().startswith(b"+OK")
assert cmd(b"FROB").startswith(b"-ERR")
assert cmd(b"STAT").startswith(b"-ERR [AUTH]")
assert cmd(b"PASS x").startswith(b"-ERR")
assert cmd(b"USER " + b"a" * 5000).startswith(b"-ERR line too long")
assert cmd(b"AUTH PLAIN !!!notbase64").startswith(b"-ERR")
assert cmd(b"USER alice@example.test").startswith(b"+OK")
assert cmd(b"PASS secret-one").startswith(b"+OK")
assert cmd(b"RETR 0").startswith(b"-ERR")
assert cmd(b"RETR abc").startswith(b"-ERR")
assert cmd(b"TOP 1").startswith(b"-ERR")
assert cmd(b"USER x").startswith(b"-ERR")
assert cmd(b"QUIT").startswith(b"+OK")
print("ok")
PYEOF
  assert_success
  assert_output "ok"
}

@test "AUTH PLAIN with initial response and as a continuation" {
  clear_mail bob; put_mail bob 1
  ir=$(printf '\0bob@example.test\0secret-two' | base64)
  run $PY - "$POP3_PORT" "$ir" <<'PYEOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
f = s.makefile("rb")
f.readline()
s.sendall(b"AUTH PLAIN " + sys.argv[2].encode() + b"\r\nSTAT\r\nQUIT\r\n")  # pipelined
print(f.readline().decode().strip()); print(f.readline().decode().strip())
PYEOF
  assert_success
  assert_line --index 0 --partial "+OK"
  assert_line --index 1 --regexp '^\+OK 1 [0-9]+'
}

@test "ten wrong passwords: each refused with [AUTH], then the connection is closed" {
  run $PY - "$POP3_PORT" <<'PYEOF'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=60)
f = s.makefile("rb")
f.readline()
t0 = time.monotonic()
for i in range(10):
    s.sendall(b"USER alice@example.test\r\n"); f.readline()
    s.sendall(b"PASS wrong\r\n")
    r = f.readline()
    assert r.startswith(b"-ERR [AUTH]"), r
rest = f.read()
assert b"too many" in rest, rest
print("ok %.1f" % (time.monotonic() - t0))
PYEOF
  assert_success
  assert_output --partial "ok"
}

@test "idle past the timeout: autologout" {
  run $PY - "$POP3_PORT" <<'PYEOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=20)
f = s.makefile("rb")
f.readline()
print(f.readline().decode().strip())
PYEOF
  assert_success
  assert_output --partial "autologout"
}

@test "fetchmail downloads and deletes 100 messages; a second run finds nothing" {
  clear_mail bob; put_mail bob 100
  local out=$BATS_TEST_TMPDIR/out.mbox rc=$BATS_TEST_TMPDIR/fetchmailrc
  {
    echo "set no syslog"
    echo "poll 127.0.0.1 service $POP3_PORT protocol pop3 auth password:"
    echo "  user \"bob@example.test\" password \"secret-two\" is root here no sslcertck"
    echo "  mda \"/bin/sh -c 'cat >> $out'\""
  } >"$rc"
  chmod 600 "$rc"
  run fetchmail -f "$rc" --nosyslog -N
  echo "$output" | tail -5
  [ "$(grep -c '^Subject: message' "$out")" = 100 ]
  run fetchmail -f "$rc" --nosyslog -N
  [ "$status" = 1 ]   # 1: no mail
  [ "$(grep -c '^Subject: message' "$out")" = 100 ]
}
