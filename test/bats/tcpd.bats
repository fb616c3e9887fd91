#!/usr/bin/env bats
# posta-tcpd alone, started directly with small shell-script children.

load ../lib/instance

FIX=$BATS_TEST_DIRNAME/../fixtures/posta-tcpd

setup() {
  load_helpers
  T=$(mktemp -d /tmp/posta-tcpd.XXXXXX)
  chmod 755 "$T"
  PORT=$(free_port)
  TCPD_PID=
}

teardown() {
  if [ -n "$TCPD_PID" ]; then
    pkill -9 -P "$TCPD_PID" 2>/dev/null || true
    kill -9 "$TCPD_PID" 2>/dev/null || true
  fi
  rm -rf "$T"
}

# start_tcpd [OPTIONS] PROGRAM [ARGS]: on 127.0.0.1 $PORT, log in $T/log
start_tcpd() {
  local opts=()
  while [ $# -gt 0 ] && [ "${1#-}" != "$1" ]; do opts+=("$1" "$2"); shift 2; done
  # exec: $! must be posta-tcpd itself, not a subshell (bats' traps defeat bash's exec shortcut)
  # readiness on fd 3, not wait_port: a probe connection would start a child
  rm -f "$T/ready"
  (exec "$POSTA_BIN/posta-tcpd" -d 3 "${opts[@]}" 127.0.0.1 "$PORT" "$@" 2>"$T/log" 3>"$T/ready") &
  TCPD_PID=$!
  wait_for 10 test -s "$T/ready"
}

# fetch [SRCIP]: everything the child writes
fetch() { $PY - "$PORT" "${1:-}" <<'PYEOF'
import socket, sys
s = socket.socket(); s.settimeout(5)
if sys.argv[2]: s.bind((sys.argv[2], 0))
s.connect(("127.0.0.1", int(sys.argv[1])))
d = b""
try:
    while True:
        b = s.recv(4096)
        if not b: break
        d += b
except ConnectionResetError: pass
print(d.decode() if d else "CLOSED")
PYEOF
}

@test "tcpd: the child sees PROTO and the TCP variables, and its arguments" {
  start_tcpd "$FIX/env.sh" one two
  run fetch
  assert_success
  assert_line "PROTO=TCP"
  assert_line "TCPLOCALIP=127.0.0.1"
  assert_line "TCPLOCALPORT=$PORT"
  assert_line "TCPREMOTEIP=127.0.0.1"
  assert_line --regexp '^TCPREMOTEPORT=[0-9]+$'
  assert_line "RELAYCLIENT=unset"
  assert_line "ARGS=one two"
  remote=$(echo "$output" | sed -n 's/^TCPREMOTEPORT=//p')
  wait_for 5 grep -q "end [0-9]* 127.0.0.1:$remote exit 0" "$T/log"
  grep -q "start [0-9]* 127.0.0.1:$remote -> 127.0.0.1:$PORT conn 1/100" "$T/log"
}

@test "tcpd: inherited TCP variables are replaced, not passed on" {
  TCPREMOTEIP=6.6.6.6 TCPREMOTEHOST=evil start_tcpd "$FIX/env.sh"
  run fetch
  assert_line "TCPREMOTEIP=127.0.0.1"
}

@test "tcpd: IPv6 loopback" {
  $PY -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1",0))' 2>/dev/null || skip "no IPv6 loopback"
  (exec "$POSTA_BIN/posta-tcpd" ::1 "$PORT" "$FIX/env.sh" 2>"$T/log") &
  TCPD_PID=$!
  wait_port ::1 "$PORT" 10
  run $PY -c "
import socket; s=socket.create_connection(('::1', $PORT), timeout=5); d=b''
while True:
    b=s.recv(4096)
    if not b: break
    d+=b
print(d.decode())"
  assert_line "TCPREMOTEIP=::1"
  assert_line "TCPLOCALIP=::1"
}

@test "tcpd: allow rules set variables, longest match wins, deny closes at once" {
  cat >"$T/rules" <<'RULES'
# test rules
127.0.0.0/8:allow,RELAYCLIENT="",GREETING="hi, there"
127.0.0.2:allow,GREETING=two
127.0.0.3/32:deny
:deny
RULES
  start_tcpd -x "$T/rules" "$FIX/env.sh"
  run fetch 127.0.0.1
  assert_line "RELAYCLIENT="
  assert_line "GREETING=hi, there"
  run fetch 127.0.0.2
  assert_line "RELAYCLIENT=unset"
  assert_line "GREETING=two"
  run fetch 127.0.0.3
  assert_output "CLOSED"
  wait_for 5 grep -q "deny 127.0.0.3:[0-9]* rule line 4 (127.0.0.3/32)" "$T/log"
}

@test "tcpd: SIGHUP rereads the rules; a broken file keeps the old ones" {
  echo '127.0.0.1:allow,GREETING=old' >"$T/rules"
  start_tcpd -x "$T/rules" "$FIX/env.sh"
  run fetch
  assert_line "GREETING=old"
  echo '127.0.0.1:allow,GREETING=new' >"$T/rules"
  kill -HUP "$TCPD_PID"
  wait_for 5 grep -q "rules reloaded" "$T/log"
  run fetch
  assert_line "GREETING=new"
  echo '127.0.0.1:maybe' >"$T/rules"
  kill -HUP "$TCPD_PID"
  wait_for 5 grep -q "rules not reloaded.*line 1" "$T/log"
  run fetch
  assert_line "GREETING=new"
  echo '127.0.0.1:deny' >"$T/rules"
  kill -HUP "$TCPD_PID"
  wait_for 5 grep -c "rules reloaded" "$T/log"
  wait_for 5 sh -c "[ \$(grep -c 'rules reloaded' '$T/log') = 2 ]"
  run fetch
  assert_output "CLOSED"
}

@test "tcpd: at MAXCONN it stops accepting until a child exits" {
  start_tcpd -c 2 "$FIX/hold.sh"
  run $PY "$FIX/scenario.py" maxconn "$PORT"
  echo "$output"
  assert_success
  grep -q "maxconn 2 reached: not accepting" "$T/log"
  grep -q "accepting again" "$T/log"
}

@test "tcpd: over MAXPERIP the connection is closed at once and logged" {
  start_tcpd -c 10 -C 1 "$FIX/hold.sh"
  run $PY "$FIX/scenario.py" maxperip "$PORT"
  echo "$output"
  assert_success
  grep -q "maxperip 127.0.0.1:[0-9]*: closed, 1/1 from this address" "$T/log"
}

@test "tcpd: SIGTERM stops accepting and lets the running child finish" {
  start_tcpd "$FIX/hold.sh"
  run $PY "$FIX/scenario.py" sigterm "$PORT" "$TCPD_PID"
  echo "$output"
  assert_success
  wait "$TCPD_PID"
  rc=$?
  TCPD_PID=
  [ "$rc" = 0 ]
  grep -qE "stopping: waiting for [0-9]+ children" "$T/log"
  # a probe of scenario.py that the kernel queued before SIGTERM may still be served (and
  # end by SIGPIPE, after or before this one): the running child's own exit is what counts
  grep -q "end [0-9]* 127.0.0.1:[0-9]* exit 0 conn [01]/100" "$T/log"
  grep -q "stopped" "$T/log"
}

@test "tcpd: -t sends SIGTERM to children that outlive the grace period" {
  printf '#!/bin/sh\necho hello\nexec sleep 60\n' >"$T/sleeper"
  chmod 755 "$T/sleeper"
  start_tcpd -t 1 "$T/sleeper"
  exec 5<>"/dev/tcp/127.0.0.1/$PORT"
  read -r -t 5 line <&5
  [ "$line" = hello ]
  kill -TERM "$TCPD_PID"
  wait_for 10 grep -q "grace period over: sending SIGTERM to 1 children" "$T/log"
  wait "$TCPD_PID"
  TCPD_PID=
  exec 5<&-
  grep -q "end [0-9]* 127.0.0.1:[0-9]* signal 15" "$T/log"
}

@test "tcpd: a program that cannot be executed is logged, not fatal" {
  start_tcpd "$T/does-not-exist"
  run fetch
  assert_output "CLOSED"
  run fetch
  assert_output "CLOSED"
  kill -0 "$TCPD_PID"
  [ "$(grep -c "unable to run $T/does-not-exist: No such file or directory" "$T/log")" = 2 ]
  printf 'not executable\n' >"$T/noexec"
  kill -TERM "$TCPD_PID"; wait "$TCPD_PID" || true
  start_tcpd "$T/noexec"
  run fetch
  assert_output "CLOSED"
  kill -0 "$TCPD_PID"
  grep -q "unable to run $T/noexec: Permission denied" "$T/log"
}

@test "tcpd: readiness is announced on the -d fd after listening" {
  (exec "$POSTA_BIN/posta-tcpd" -d 3 127.0.0.1 "$PORT" "$FIX/env.sh" 2>"$T/log" 3>"$T/ready") &
  TCPD_PID=$!
  wait_for 5 test -s "$T/ready"
  run fetch
  assert_line "PROTO=TCP"
}

@test "tcpd: -u drops privileges before serving (as root)" {
  [ "$(id -u)" = 0 ] || skip "needs root"
  id nobody >/dev/null 2>&1 || skip "no user nobody"
  start_tcpd -u nobody "$FIX/env.sh"
  run fetch
  assert_line "UID=$(id -u nobody)"
  [ "$(ps -o user= -p "$TCPD_PID")" = nobody ]
}

@test "tcpd: -m sends its line to a client closed for MAXPERIP" {
  start_tcpd -c 10 -C 1 -m "421 4.7.0 busy here" "$FIX/hold.sh"
  run $PY "$FIX/scenario.py" busyline "$PORT"
  echo "$output"
  assert_success
}

@test "tcpd: usage errors exit 100, trouble exits 111" {
  run "$POSTA_BIN/posta-tcpd" -m "" 127.0.0.1 "$PORT" /bin/true
  [ "$status" = 100 ]
  run "$POSTA_BIN/posta-tcpd" -m "$(printf 'a\rb')" 127.0.0.1 "$PORT" /bin/true
  [ "$status" = 100 ]
  run "$POSTA_BIN/posta-tcpd" -T /nonexistent -M implicit -m "421 busy" 127.0.0.1 "$PORT" /bin/true
  [ "$status" = 100 ]
  assert_output --partial "-m cannot be used with -M implicit"
  run "$POSTA_BIN/posta-tcpd" 127.0.0.1 "$PORT"
  [ "$status" = 100 ]
  assert_output --partial "usage: posta-tcpd"
  run "$POSTA_BIN/posta-tcpd" -c 0 127.0.0.1 "$PORT" /bin/true
  [ "$status" = 100 ]
  run "$POSTA_BIN/posta-tcpd" -g posta 127.0.0.1 "$PORT" /bin/true
  [ "$status" = 100 ]
  run "$POSTA_BIN/posta-tcpd" -R 0 127.0.0.1 "$PORT" /bin/true
  [ "$status" = 100 ]
  run "$POSTA_BIN/posta-tcpd" localhost "$PORT" /bin/true
  [ "$status" = 111 ]
  assert_output --partial "not a numeric IP address"
  echo 'garbage' >"$T/rules"
  run "$POSTA_BIN/posta-tcpd" -x "$T/rules" 127.0.0.1 "$PORT" /bin/true
  [ "$status" = 111 ]
  assert_output --partial "line 1"
  run "$POSTA_BIN/posta-tcpd" -x "$T/missing" 127.0.0.1 "$PORT" /bin/true
  [ "$status" = 111 ]
  start_tcpd "$FIX/env.sh"
  run "$POSTA_BIN/posta-tcpd" 127.0.0.1 "$PORT" /bin/true
  [ "$status" = 111 ]
  assert_output --partial "unable to bind"
}

# talk [SRCIP]: sends a line to a reuse.py server and prints everything it says
talk() { $PY - "$PORT" "${1:-}" <<'PYEOF'
import socket, sys
s = socket.socket(); s.settimeout(5)
if sys.argv[2]: s.bind((sys.argv[2], 0))
s.connect(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"x\n")
d = b""
while (b := s.recv(4096)):
    d += b
print(d.decode())
PYEOF
}

# served_pid: the pid in reuse.py's greeting in $output
served_pid() { sed -n 's/^hello \([0-9]*\) .*/\1/p' <<<"$output"; }

@test "tcpd -R: one process serves connection after connection, each with its own variables" {
  printf '127.0.0.2:allow,RELAYCLIENT=""\n127.0.0.0/8:allow\n' >"$T/rules"
  start_tcpd -R 5 -x "$T/rules" "$FIX/reuse.py"
  run talk 127.0.0.2
  assert_line --regexp '^hello [0-9]+ 1 1$'
  assert_line "RELAYCLIENT="
  assert_line "TCPREMOTEIP=127.0.0.2"
  pid=$(served_pid)
  # the next connection goes to the server once it has said "done"
  wait_for 5 grep -q "end $pid 127.0.0.2:[0-9]* done conn 0/100" "$T/log"
  run talk 127.0.0.1
  assert_line "hello $pid 2 1"
  assert_line "TCPREMOTEIP=127.0.0.1"
  refute_line --partial "RELAYCLIENT"
  wait_for 5 grep -q "end $pid 127.0.0.1:[0-9]* done conn 0/100" "$T/log"
  run talk 127.0.0.2
  assert_line "hello $pid 3 1"
  assert_line "RELAYCLIENT="
  [ "$(grep -c "start $pid " "$T/log")" = 3 ]
}

@test "tcpd -R: a server gets at most MAXUSE connections, then exits" {
  start_tcpd -R 2 "$FIX/reuse.py"
  pids=()
  for n in 1 2 3; do
    run talk
    assert_line --regexp "^hello [0-9]+ $(( (n - 1) % 2 + 1 )) 1\$"
    pids+=("$(served_pid)")
    wait_for 5 eval '[ "$(grep -c " done conn 0/100" "$T/log")" -ge "$n" ]'
  done
  [ "${pids[0]}" = "${pids[1]}" ]
  [ "${pids[1]}" != "${pids[2]}" ]
  wait_for 5 bash -c "! kill -0 ${pids[0]}"
}

@test "tcpd -R: -c counts connections; a killed server frees its slot; SIGTERM ends idle servers" {
  start_tcpd -R 10 -c 2 "$FIX/reuse.py"
  run $PY "$FIX/scenario.py" maxconn "$PORT"
  echo "$output"
  assert_success
  grep -q "maxconn 2 reached: not accepting" "$T/log"
  kill -TERM "$TCPD_PID"
  wait_for 10 grep -q "stopped" "$T/log"
  wait "$TCPD_PID"
  TCPD_PID=
  start_tcpd -R 10 -c 1 "$FIX/reuse.py"
  run $PY "$FIX/scenario.py" reuse_killed "$PORT"
  echo "$output"
  assert_success
  grep -q "end [0-9]* 127.0.0.1:[0-9]* signal 9 conn 0/1" "$T/log"
}

# v6prefix_run PREFIX|default: posta-tcpd -C 1 [-P PREFIX] on "::" in a network namespace of
# its own, whose lo gets documentation addresses in two /64s; scenario v6prefix connects.
v6prefix_run() {
  unshare -n bash -c '
    set -e
    ip link set lo up
    for a in 2001:db8:1:2::a 2001:db8:1:2::b 2001:db8:1:3::a; do ip -6 addr add $a/64 dev lo nodad; done
    p=$1 port=$2
    opts=(-c 10 -C 1)
    [ "$p" = default ] || opts+=(-P "$p")
    "$POSTA_BIN/posta-tcpd" -d 3 "${opts[@]}" :: "$port" "$FIX/hold.sh" 2>"$T/log.$p" 3>"$T/ready.$p" &
    pid=$!
    for i in $(seq 100); do [ -s "$T/ready.$p" ] && break; sleep 0.05; done
    rc=0
    $PY "$FIX/scenario.py" v6prefix "$port" "${p/default/64}" || rc=$?
    pkill -9 -P $pid || true
    kill -9 $pid || true
    exit $rc
  ' _ "$1" "$PORT"
}

@test "tcpd: -C counts an IPv6 client by its /64 (-P sets the prefix), an IPv4 or IPv4-mapped one by its address" {
  [ "$(id -u)" = 0 ] || skip "needs root for a network namespace"
  export T FIX PY POSTA_BIN
  run v6prefix_run default
  echo "$output"
  assert_success
  grep -q "maxperip 2001:db8:1:2::b:[0-9]*: closed, 1/1 from this /64 network" "$T/log.default"
  grep -q "maxperip 127.0.0.1:[0-9]*: closed, 1/1 from this address" "$T/log.default"
  grep -q "maxperip 1 (IPv6 per /64)" "$T/log.default"
  run v6prefix_run 128
  echo "$output"
  assert_success
  run ! grep -q "maxperip 2001:db8" "$T/log.128"
  run v6prefix_run 48
  echo "$output"
  assert_success
  grep -q "maxperip 2001:db8:1:3::a:[0-9]*: closed, 1/1 from this /48 network" "$T/log.48"
}

@test "tcpd: -P takes a prefix length from 0 to 128" {
  for bad in 129 -1 x ""; do
    run "$POSTA_BIN/posta-tcpd" -P "$bad" 127.0.0.1 "$PORT" /bin/true
    assert_failure 100
    assert_output --partial "-P needs a number from 0 to 128"
  done
}
