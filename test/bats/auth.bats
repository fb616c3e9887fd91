#!/usr/bin/env bats
# posta-auth: the checkpassword interface over the users database, through the resident
# posta-authd (the normal path) and directly when the daemon is down (the fallback).

load ../lib/instance

setup_file() {
  instance_create example.test
  echo 300 >"$PH/control/authfaildelaymax"
  printf 'pw-alice\n' | posta user add alice@example.test --password-stdin --quota-bytes 10M --quota-messages 99 >&2
  printf 'pw-dis\n' | posta user add dis@example.test --password-stdin >&2
  posta user disable dis@example.test >&2
  printf 'pw-admin\n' | posta user add admin@example.test --password-stdin --master >&2
  printf 'pw-plain\n' | posta user add plain@example.test --password-stdin >&2
  # sha512-crypt of "secret" with a Dovecot prefix, as imported from Dovecot
  posta user add moved@example.test \
    --password-hash '{SHA512-CRYPT}$6$saltsalt$TVLlQcbpFVof5W3Yz4DTP6gRstiNuHwwTt6GLc1E5n0U0aDehy0S5knV8wiOQSpT0Y77vwPZN.Pq.H91p5hVO1' >&2
  posta domain add off.test >&2
  printf 'pw-bob\n' | posta user add bob@off.test --password-stdin >&2
  posta domain set off.test --disable >&2
  # the post-auth program of these tests, allowed by control/authprograms
  cat >"$PH/showenv" <<'EOF'
#!/bin/sh
echo "USER=$USER"; echo "HOME=$HOME"; echo "MAILDIR=$MAILDIR"; echo "QUOTA=$POSTA_QUOTA"
echo "MASTER=${POSTA_MASTER_USER:-}"; echo "PWD=$(pwd)"; echo "UID=$(id -u)"
EOF
  chmod 755 "$PH/showenv"
  printf '# the tests\n%s\n/bin/true\n' "$PH/showenv" >"$PH/control/authprograms"
  authd_start
}

teardown_file() {
  authd_stop
  instance_stop
}

setup() { load_helpers; }

SOCK() { echo "$PH/run/authd.sock"; }

# authd_start: posta-authd as the service runs it, but with a 1 s request timeout and its
# CPU times logged at stop; waits for its readiness line on fd 3
authd_start() {
  rm -f "$PH/authd.ready"
  (POSTA_AUTHD_TIMING=1 exec "$POSTA_BIN/posta-authd" -D "$(SOCK)" -G "$(stat -c %G "$PH")" -t 1 -d 3 \
    3>"$PH/authd.ready" </dev/null >>"$PH/authd.log" 2>&1) &
  echo $! >"$PH/authd.pid"
  wait_for 10 test -s "$PH/authd.ready"
}

authd_stop() {
  [ -f "$PH/authd.pid" ] || return 0
  local pid; pid=$(cat "$PH/authd.pid")
  kill "$pid" 2>/dev/null || true
  wait_for 10 eval "! kill -0 $pid 2>/dev/null" || kill -9 "$pid" 2>/dev/null || true
  rm -f "$PH/authd.pid"
}

# auth LOGIN PASSWORD [IP]: posta-auth printing the environment it execs with
auth() {
  printf '%s\0%s\0%s\0' "$1" "$2" 1700000000 |
    POSTA_AUTH_TIMING=1 TCPREMOTEIP=${3:-127.0.0.10} "$POSTA_BIN/posta-auth" "$PH/showenv" 3<&0
}

# auth_refused REASON LOGIN PASSWORD IP: posta-auth fails the login (exit 1) for REASON
auth_refused() {
  run auth "$2" "$3" "$4"
  assert_failure 1
  assert_output --partial "reason=\"$1\""
}

# raw_request BYTES: sends BYTES (a Python bytes literal) to posta-authd as root, prints
# what comes back (hex) until it closes the connection
raw_request() {
  $PY - "$(SOCK)" "$1" <<'PYEOF'
import ast, socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
s.sendall(ast.literal_eval(sys.argv[2]))
data = b""
while True:
    c = s.recv(4096)
    if not c:
        break
    data += c
print("answer:" + data.hex())
PYEOF
}

# stand_in PYTHON [RUNNER...]: in the background (pid in $fake), a stand-in for posta-authd
# on its socket, run by RUNNER (e.g. setpriv), that takes one connection c, runs PYTHON
# with it, closes it and goes away
stand_in() {
  local code=$1; shift
  "$@" $PY - "$(SOCK)" "$code" <<'PYEOF' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1]); s.listen(1); s.settimeout(15)
c, _ = s.accept(); c.settimeout(10); exec(sys.argv[2]); c.close(); os.unlink(sys.argv[1])
PYEOF
  fake=$!
  wait_for 10 test -S "$(SOCK)"
}

@test "right password: exit 0 and USER HOME MAILDIR POSTA_QUOTA, run in the Maildir as the owner" {
  run auth alice@example.test pw-alice
  assert_success
  local md=$PH/mail/example.test/alice
  assert_line "USER=alice@example.test"
  assert_line "HOME=$md"
  assert_line "MAILDIR=$md/"
  assert_line "QUOTA=10485760S,99C"
  assert_line "MASTER="
  assert_line "PWD=$md"
  assert_line "UID=$(stat -c %u "$PH")"
  assert_line --partial "login: user=<alice@example.test> ip=127.0.0.10"
  # through posta-authd, which reported its hash time
  assert_output --regexp "timing: path=daemon total_us=[0-9]+ hash_us=[1-9][0-9]* overhead_us=[0-9]+ read_us=[0-9]+ cpu_us=[0-9]+ minflt=[0-9]+ maxrss_kb="
  refute_output --partial "not reachable"
}

@test "login is case-insensitive; smtpd-style check with /bin/true" {
  run bash -c "printf 'ALICE@Example.TEST\0pw-alice\0\0' | '$POSTA_BIN/posta-auth' /bin/true 3<&0"
  assert_success
}

# run_program PROGRAM...: posta-auth with alice's right password, running PROGRAM
run_program() {
  run bash -c 'printf "alice@example.test\0pw-alice\0\0" | "$0" "$@" 3<&0' "$POSTA_BIN/posta-auth" "$@"
}

@test "only the post-auth programs of control/authprograms run, else exit 111 before the check" {
  rm -f "$PH/ran"
  run_program /bin/sh -c "touch '$PH/ran'"
  assert_failure 111
  assert_output --partial "posta-auth: fatal: unable to run /bin/sh -c touch '$PH/ran': not a post-auth program of this instance (control/authprograms)"
  refute_output --partial "login:"
  assert_not_exist "$PH/ran"
  run_program sh -c "touch '$PH/ran'"
  assert_failure 111
  run_program "$PH/showenv" extra
  assert_failure 111
  run_program "$PH/showenv"
  assert_success
  assert_line "USER=alice@example.test"
  # without the file: the instance's posta-imapd and posta-pop3d --post-auth, and /bin/true
  mv "$PH/control/authprograms" "$PH/authprograms.saved"
  run_program /bin/true
  assert_success
  run_program "$PH/showenv"
  assert_failure 111
  run_program /bin/sh -c "touch '$PH/ran'"
  assert_failure 111
  run_program "$POSTA_BIN/posta-pop3d"
  assert_failure 111
  assert_output --partial "not a post-auth program"
  # the post-auth POP3 server itself runs (and answers the client on stdout)
  run bash -c 'printf "QUIT\r\n" | { printf "alice@example.test\0pw-alice\0\0" | "$0" "$1" --post-auth 3<&0; }' \
    "$POSTA_BIN/posta-auth" "$POSTA_BIN/posta-pop3d"
  refute_output --partial "not a post-auth program"
  assert_output --partial "+OK"
  # a malformed file allows nothing
  echo "bin/sh -c id" >"$PH/control/authprograms"
  run_program /bin/true
  assert_failure 111
  assert_output --partial "authprograms: not an absolute path: bin/sh"
  mv "$PH/authprograms.saved" "$PH/control/authprograms"
  assert_not_exist "$PH/ran"
}

@test "wrong password, disabled user, unknown user: exit 1" {
  auth_refused "bad password" alice@example.test wrong 127.0.0.21
  auth_refused "user disabled" dis@example.test pw-dis 127.0.0.22
  auth_refused "unknown user" nobody@example.test x 127.0.0.23
  run auth 'bad/login' x 127.0.0.24
  assert_failure 1
  run auth alice@example.test '' 127.0.0.25
  assert_failure 1
  refute_output --partial "USER="
  # a disabled domain refuses its users' logins (after the password check, like a disabled user)
  auth_refused "domain disabled" bob@off.test pw-bob 127.0.0.27
  run auth bob@off.test wrong 127.0.0.28
  assert_output --partial 'reason="bad password"'
}

@test "a Dovecot {SHA512-CRYPT} hash imported with --password-hash logs in" {
  run auth moved@example.test secret
  assert_success
  assert_line "USER=moved@example.test"
  run auth moved@example.test Secret 127.0.0.26
  assert_failure 1
}

@test "master user logs in as user*master@domain; the login is logged" {
  run auth 'alice*admin@example.test' pw-admin
  assert_success
  assert_line "USER=alice@example.test"
  assert_line "MAILDIR=$PH/mail/example.test/alice/"
  assert_line "MASTER=admin@example.test"
  assert_line --partial "master login: master=<admin@example.test> user=<alice@example.test>"
  run auth 'alice@example.test*admin@example.test' pw-admin
  assert_success
  assert_line "USER=alice@example.test"
}

@test "master logins need the master's password and the master flag" {
  run auth 'alice*admin@example.test' pw-alice 127.0.0.31
  assert_failure 1
  run auth 'alice*plain@example.test' pw-plain 127.0.0.32
  assert_failure 1
  run auth 'nobody*admin@example.test' pw-admin 127.0.0.33
  assert_failure 1
  run auth 'dis*admin@example.test' pw-admin 127.0.0.34
  assert_failure 1
}

@test "failures are counted per IP and per user with a growing, capped delay" {
  local i
  for i in 1 2 3 4; do
    run auth plain@example.test wrong 127.0.0.40
    assert_failure 1
  done
  # 4th failure in a row: 250, 500, 1000 -> capped at control/authfaildelaymax = 300
  assert_output --partial "failures=4 delay_ms=300"
  # another user from the same address is slowed down too
  run auth other@example.test wrong 127.0.0.40
  assert_output --partial "failures=5 delay_ms=300"
  # the right password still works, and clears the user's count
  run auth plain@example.test pw-plain 127.0.0.41
  assert_success
  run auth plain@example.test wrong 127.0.0.42
  assert_output --partial "failures=1 delay_ms=0"
  assert_file_exists "$PH/db/ratelimit.db"
}

@test "last login is recorded" {
  auth alice@example.test pw-alice >/dev/null 2>&1
  run posta user show alice@example.test --json
  run $PY -c "import json,sys; print(json.loads(sys.argv[1])['last_login'] > 0)" "$output"
  assert_output True
}

@test "malformed input on fd 3 gives 111; no program gives 100" {
  run bash -c "printf 'alice@example.test\0pw-alice' | '$POSTA_BIN/posta-auth' /bin/true 3<&0"
  assert_failure 111
  run bash -c "printf 'alice@example.test\0pw-alice\0\0junk' | '$POSTA_BIN/posta-auth' /bin/true 3<&0"
  assert_failure 111
  run bash -c "head -c 5000 /dev/zero | '$POSTA_BIN/posta-auth' /bin/true 3<&0"
  assert_failure 111
  run bash -c "'$POSTA_BIN/posta-auth' /bin/true 3</dev/null"
  assert_failure 111
  run "$POSTA_BIN/posta-auth"
  assert_failure 100
}

@test "database trouble gives 111, not 1" {
  local broken=$BATS_TEST_TMPDIR/broken
  mkdir -p "$broken/db"
  echo garbage >"$broken/db/users.db"
  chown -R "$(stat -c %u:%g "$PH")" "$broken"
  run bash -c "printf 'alice@example.test\0pw-alice\0\0' | POSTA_HOME='$broken' '$POSTA_BIN/posta-auth' /bin/true 3<&0"
  assert_failure 111
}

@test "posta-authd: a bad request closes only that connection and is logged; it keeps answering" {
  local pid; pid=$(cat "$PH/authd.pid")
  run raw_request 'b"\xff\xff\xff\xff"'
  assert_output "answer:"
  run raw_request 'b"\x00\x00\x00\x07A1\x00u\x00p\x00"'
  assert_output "answer:"
  run raw_request 'b"\x00\x00\x00\x08A1\x00u\x00p\x00\x00junk"'
  assert_output "answer:"
  run raw_request 'b"\x00\x00\x00\x0aA9\x00u\x00p\x00ip\x00"'
  assert_output "answer:"
  wait_for 10 grep -q "bad request: unknown request tag A9" "$PH/authd.log"
  grep -q "bad request: frame length 4294967295 out of range" "$PH/authd.log"
  grep -q "bad request: expected 4 fields, got 3" "$PH/authd.log"
  grep -q "bytes after the request" "$PH/authd.log"
  kill -0 "$pid"
  # a well-formed request from any client gets its answer: "R1", then "no" (refused)
  run raw_request 'b"\x00\x00\x00\x19A1\x00alice@example.test\x00x\x00\x00"'
  assert_output --regexp '^answer:[0-9a-f]{8}5231006e6f00'
  run auth alice@example.test pw-alice
  assert_success
  assert_output --partial "path=daemon"
}

@test "posta-authd: a slow client does not hold up the others and is dropped after -t" {
  # half a frame header, then nothing: the check behind it is answered all the same
  $PY - "$(SOCK)" "$PH/slow.done" <<'PYEOF' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"\x00\x00")
s.settimeout(15)
try:
    s.recv(1)
finally:
    open(sys.argv[2], "w").write("closed\n")
PYEOF
  local slow=$!
  run auth alice@example.test pw-alice
  assert_success
  assert_output --partial "path=daemon"
  wait_for 10 test -s "$PH/slow.done"
  wait "$slow" || true
  grep -q "no complete request within 1 s" "$PH/authd.log"
}

# An answer is at most 8 KB (kMaxAuthAnswer), less than any unix socket buffer, so a client
# that never reads it cannot stall the write that -t bounds: the checker thread goes on.
@test "posta-authd: clients that never read their answers hold no checker thread" {
  $PY - "$(SOCK)" "$PH/silent.ready" <<'PYEOF' &
import socket, struct, sys, time
payload = b"A1\0alice@example.test\0pw-alice\0127.0.0.9\0"
held = []
for _ in range(12):  # three times the default 4 checker threads
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    s.sendall(struct.pack(">I", len(payload)) + payload)
    held.append(s)
open(sys.argv[2], "w").write("sent\n")
time.sleep(8)
PYEOF
  local silent=$!
  wait_for 10 test -s "$PH/silent.ready"
  run timeout 10 bash -c "$(declare -f auth); PH=$PH POSTA_BIN=$POSTA_BIN; auth alice@example.test pw-alice"
  assert_success
  assert_output --partial "path=daemon"
  kill "$silent" 2>/dev/null || true
  wait "$silent" || true
  run ! grep -q "answer not taken" "$PH/authd.log"
}

@test "posta-authd down: posta-auth checks the databases itself and says so" {
  authd_stop
  [ ! -e "$(SOCK)" ]
  run auth alice@example.test pw-alice
  assert_success
  assert_line "USER=alice@example.test"
  assert_output --partial "posta-authd not reachable"
  assert_output --regexp "timing: path=direct total_us=[0-9]+ hash_us=[0-9]+ open_us="
  auth_refused "bad password" alice@example.test wrong 127.0.0.50
  authd_start
  run auth alice@example.test pw-alice
  assert_success
  assert_output --partial "path=daemon"
}

@test "posta-auth falls back when the daemon hangs up, fails on a bad answer, ignores another user's socket" {
  authd_stop
  local fake
  # a stand-in that hangs up on the first connection, without answering
  stand_in pass
  run auth alice@example.test pw-alice
  assert_success
  assert_output --partial "not reachable"
  assert_output --partial "path=direct"
  wait "$fake" || true
  # one that answers garbage: no second check, temporary trouble
  stand_in 'c.recv(4096); c.sendall(b"\x00\x00\x00\x03R1\x00")'
  run auth alice@example.test pw-alice
  assert_failure 111
  assert_output --partial "bad answer"
  wait "$fake" || true
  # one that hangs up in the middle of its answer: trouble too, not a second check
  stand_in 'c.recv(4096); c.sendall(b"\x00\x00\x00\x40R1\x00ok\x00")'
  run auth alice@example.test pw-alice
  assert_failure 111
  assert_output --partial "truncated answer"
  refute_output --partial "path=direct"
  wait "$fake" || true
  if [ "$(id -u)" = 0 ]; then
    # a socket served by another user is never asked (it could name any Maildir)
    chmod 1777 "$PH/run"
    stand_in 'c.recv(4096)' setpriv --reuid=nobody --regid=nogroup --clear-groups
    run auth alice@example.test pw-alice
    chmod 755 "$PH/run"
    assert_success
    assert_output --partial "is not served by root or the instance owner"
    assert_line "USER=alice@example.test"
    wait "$fake" || true
  fi
  authd_start
}

@test "posta-authd's socket: mode 0660, the instance's group; others cannot connect" {
  assert_equal "$(stat -c '%a %G' "$(SOCK)")" "660 $(stat -c %G "$PH")"
  [ "$(id -u)" = 0 ] || skip "needs root to try another user"
  run setpriv --reuid=nobody --regid=nogroup --clear-groups $PY -c \
    "import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])" "$(SOCK)"
  assert_failure
  assert_output --partial "Permission denied"
}

@test "posta-authd: checks at once are answered in parallel, each by one checker thread" {
  grep -q "with 4 checker threads" "$PH/authd.log"
  [ "$(ls /proc/"$(cat "$PH/authd.pid")"/task | wc -l)" -eq 5 ]  # main thread + 4 checkers
  local i
  for i in 1 2 3 4 5 6; do auth alice@example.test pw-alice >"$PH/par.$i" 2>&1 & done
  wait
  for i in 1 2 3 4 5 6; do
    grep -q "^USER=alice@example.test" "$PH/par.$i"
    grep -q "path=daemon" "$PH/par.$i"
  done
}

@test "posta-authd: SIGTERM lets the check in progress finish, then removes the socket" {
  local pid; pid=$(cat "$PH/authd.pid")
  # a client holding a checker with half a request: the daemon waits for it at most -t (1 s)
  $PY -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"\x00"); time.sleep(5)' "$(SOCK)" &
  local slow=$!
  # accepted: the listener and the connection
  wait_for 10 sh -c "[ \$(ls -l /proc/$pid/fd | grep -c socket:) -ge 2 ]"
  kill -TERM "$pid"
  wait_for 10 sh -c "! kill -0 $pid 2>/dev/null"
  [ ! -e "$(SOCK)" ]
  grep -q "no complete request within 1 s" "$PH/authd.log"
  # and at stop, what its checks cost in CPU time apart from the hash
  grep -Eq "checks: [1-9][0-9]* cpu_per_check_us=[0-9]+ hash_cpu_per_check_us=[0-9]+ cpu_apart_from_hash_per_check_us=[0-9-]+" "$PH/authd.log"
  kill "$slow" 2>/dev/null || true
  wait "$slow" 2>/dev/null || true
  rm -f "$PH/authd.pid"
}

@test "posta-authd writes the readers' copy of the accounts at start (missing, or left behind)" {
  authd_stop
  rm -rf "$PH/accounts"
  authd_start
  assert_file_exists "$PH/accounts/users.db"
  run db5.3_dump -p "$PH/accounts/users.db"
  assert_success
  assert_output --partial "address=alice@example.test"
  refute_output --partial 'password=$'
  refute_output --partial "master=1"
  # the copy of a tool that wrote and was killed before closing: brought up to date
  cp "$PH/accounts/users.db" "$PH/users.db.old"
  printf 'pw-late\n' | posta user add late@example.test --password-stdin >&2
  cp "$PH/users.db.old" "$PH/accounts/users.db"
  run db5.3_dump -p "$PH/accounts/users.db"
  refute_output --partial "late@example.test"
  authd_stop
  authd_start
  run db5.3_dump -p "$PH/accounts/users.db"
  assert_output --partial "address=late@example.test"
}
