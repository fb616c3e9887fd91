#!/usr/bin/env bats
# posta-queued: posta-smtpd hands each message to the resident queue writer (no posta-queue
# exec); with the daemon down it runs posta-queue; bad frames and foreign peers are refused;
# a client or a daemon dying mid-message leaves nothing in todo/. posta-send is kept down in
# most tests so that todo/ can be looked at (its stored envelope names the writer's pid).

load ../lib/instance

setup_file() {
  instance_create example.test
  # posta-smtpd hands its own pipes to posta-queued, mid-message: no content filter in
  # between, which would hold each message until its end (spamcheck.bats has the filter)
  rm "$PH/control/smtpqueue"
  printf 'pw\n' | posta user add alice@example.test --password-stdin >&2
  instance_start
  s6-svc -wd -T 10000 -d "$PH/service/send"
}

teardown_file() { instance_stop; }

setup() { load_helpers; }

queued_pid() { pgrep -f "^$POSTA_BIN/posta-queued( |\$)" | head -1; }
todo_count() { find "$PH/queue/todo" -type f | wc -l; }
# the writer pid ("p" item) of the one message in todo/
todo_writer() { tr '\0' '\n' <"$(find "$PH/queue/todo" -type f | head -1)" | sed -n 's/^p//p'; }
clear_todo() { find "$PH/queue/todo" "$PH/queue/mess" -type f -delete; }
log_has() { grep -q -- "$1" "$PH/log/queued/current"; }
send_one() {
  swaks --server 127.0.0.1 --port "$SMTP_PORT" --from s@remote.example --to alice@example.test \
    --header "Subject: $1" --body "$1"
}

# py_session SUBJECT: an SMTP session left in the middle of DATA (the message's first part
# sent), python's pid in $PH/../py.pid; the rest is sent when $PH/../go appears.
py_session() {
  rm -f "$PH/../go" "$PH/../py.out"
  PYTHONPATH="$POSTA_SRC/test/fixtures/posta-smtpd" "$PY" -c "
import os, sys, time
from rawsmtp import Raw
c = Raw(int(os.environ['SMTP_PORT']))
c.cmd('EHLO client.example'); c.cmd('MAIL FROM:<s@remote.example>'); c.cmd('RCPT TO:<alice@example.test>')
print('port', c.sock.getsockname()[1], flush=True)
print(c.cmd('DATA'), flush=True)
c.send(b'Subject: $1\r\n\r\nfirst part\r\n')
for _ in range(400):
    if os.path.exists('$PH/../go'): break
    time.sleep(0.05)
c.send(b'second part\r\n.\r\n')
print(c.reply(), flush=True)
" >"$PH/../py.out" 2>&1 &
  echo $! >"$PH/../py.pid"
}
# the posta-smtpd holding py_session's connection
session_smtpd() {
  local port
  port=$(sed -n 's/^port //p' "$PH/../py.out")
  ss -tnpH state established "( sport = :$SMTP_PORT and dport = :$port )" |
    grep -o 'posta-smtpd",pid=[0-9]*' | head -1 | cut -d= -f2
}
mess_started() { [ "$(find "$PH/queue/mess" -type f | wc -l)" -ge 1 ]; }

@test "queued: runs as the instance owner; socket 0660 in the servers' group" {
  local pid owner
  pid=$(queued_pid)
  [ -n "$pid" ] || fail "posta-queued is not running"
  owner=$(stat -c %U "$PH")
  assert_equal "$(ps -o user= -p "$pid")" "$owner"
  assert_equal "$(stat -c '%U %a' "$PH/run/queue.sock")" "$owner 660"
}

@test "queued: a message through posta-smtpd is written by posta-queued, not a posta-queue exec" {
  clear_todo
  run send_one "via the daemon"
  assert_success
  assert_output --partial "250 2.0.0 Ok: queued as"
  assert_equal "$(todo_count)" 1
  assert_equal "$(todo_writer)" "$(queued_pid)"
  run grep -h '^Received: (posta-queue .* invoked from network)' "$PH"/queue/mess/*
  assert_success
}

@test "queued: daemon down -> posta-smtpd runs posta-queue, the message is queued once" {
  clear_todo
  s6-svc -wd -T 10000 -d "$PH/service/queued"
  [ ! -e "$PH/run/queue.sock" ]
  run send_one "without the daemon"
  assert_success
  assert_output --partial "250 2.0.0 Ok: queued as"
  assert_equal "$(todo_count)" 1
  [ -z "$(queued_pid)" ]
  s6-svc -wU -T 10000 -u "$PH/service/queued"
  # and once more while it is up again: one more message, written by the daemon
  run send_one "daemon back"
  assert_success
  assert_equal "$(todo_count)" 2
}

@test "queued: a bad frame and a foreign peer are refused and logged; it keeps serving" {
  local pid group
  pid=$(queued_pid)
  run "$PY" -c "
import socket
s = socket.socket(socket.AF_UNIX); s.connect('$PH/run/queue.sock')
s.sendall(b'posta-queued 1\nPOSTA_HOME=/tmp\n\n')
print(repr(s.recv(100)))"
  assert_output "b''"
  wait_for 10 log_has "refused a frame from uid $(id -u): 0 fds instead of 4"
  if [ "$(id -u)" = 0 ]; then
    # in the socket's group by a supplementary group only: the file lets it connect,
    # SO_PEERCRED (uid nobody, gid nogroup) does not let it in
    group=$(stat -c %g "$PH/run/queue.sock")
    run setpriv --reuid=nobody --regid=nogroup --groups="$group" env "$PY" -c "
import socket
s = socket.socket(socket.AF_UNIX); s.connect('$PH/run/queue.sock')
print(repr(s.recv(100)))"
    assert_output "b''"
    wait_for 10 log_has "refused a connection from uid $(id -u nobody)"
  fi
  clear_todo
  run send_one "after the refusals"
  assert_success
  assert_equal "$(queued_pid)" "$pid"
  assert_equal "$(todo_writer)" "$pid"
}

@test "queued: posta-smtpd killed mid-message leaves nothing in mess/ or todo/" {
  clear_todo
  py_session "smtpd dies"
  wait_for 10 mess_started
  # the session's posta-smtpd: the one whose pipes posta-queued reads
  local smtpd
  smtpd=$(session_smtpd)
  [ -n "$smtpd" ] || fail "no posta-smtpd for the session: $(cat "$PH/../py.out")"
  kill -9 "$smtpd"
  kill "$(cat "$PH/../py.pid")" 2>/dev/null || true
  wait_for 10 log_has "info: no envelope: the message was given up, nothing queued"
  wait_for 10 eval '[ "$(find "$PH/queue/mess" "$PH/queue/intd" "$PH/queue/todo" -type f | wc -l)" = 0 ]'
}

@test "queued: posta-queued killed mid-message: 451, nothing in todo/, restarted by s6" {
  clear_todo
  local old
  old=$(queued_pid)
  py_session "daemon dies"
  wait_for 10 mess_started
  kill -9 "$old"
  touch "$PH/../go"
  wait_for 20 grep -q "^(451" "$PH/../py.out"
  run cat "$PH/../py.out"
  assert_line --partial "Queue writer went away"
  assert_equal "$(find "$PH/queue/intd" "$PH/queue/todo" -type f | wc -l)" 0
  wait_for 20 _instance_ready "$PH/service/queued"
  clear_todo
  run send_one "after the restart"
  assert_success
  [ "$(queued_pid)" != "$old" ]
  assert_equal "$(todo_writer)" "$(queued_pid)"
}

# posta-smtpd gives up every message it refuses by closing both pipes without an envelope:
# posta-smtpd(8) calls that normal, so it is no warning; a cut-off envelope still is.
@test "queued: a message posta-smtpd refuses is an info line, not a warning; a cut envelope warns" {
  clear_todo
  local before
  before=$(wc -l <"$PH/log/queued/current")
  run env PYTHONPATH="$POSTA_SRC/test/fixtures/posta-smtpd" "$PY" -c "
import os
from rawsmtp import Raw
c = Raw(int(os.environ['SMTP_PORT']))
c.cmd('EHLO client.example'); c.cmd('MAIL FROM:<s@remote.example>'); c.cmd('RCPT TO:<alice@example.test>')
c.cmd('DATA')
c.send(b'Subject: refused\r\n\r\nbare\rCR\r\n.\r\n')
print(c.reply())"
  assert_success
  assert_output --partial "(554, ['5.6.0 Message contains a bare CR"
  wait_for 10 log_has "info: no envelope: the message was given up, nothing queued"
  run bash -c "tail -n +$((before + 1)) '$PH/log/queued/current'"
  refute_output --partial "warning"
  refute_output --partial "envelope ends before its final NUL"
  # an envelope cut off after its first item is an anomaly: still a warning
  run "$PY" -c "
import os, socket
s = socket.socket(socket.AF_UNIX); s.connect('$PH/run/queue.sock')
m, e, f6, idp = os.pipe(), os.pipe(), os.pipe(), os.pipe()
socket.send_fds(s, [b'posta-queued 1\n\n'], [m[0], e[0], f6[1], idp[1]])
print(s.recv(100))
os.write(m[1], b'Subject: cut\n\nx\n'); os.close(m[1])
os.write(e[1], b'Fs@example.test\0Talice@example.test\0'); os.close(e[1])
print(s.recv(100))"
  assert_output --partial "exit 91"
  wait_for 10 log_has "warning: envelope ends before its final NUL"
  assert_equal "$(todo_count)" 0
}

@test "queued: posta-send delivers what the daemon queued, once" {
  clear_todo
  run send_one "delivered once"
  assert_success
  s6-svc -u "$PH/service/send"
  wait_for 20 grep -rqx "delivered once" "$PH/mail/example.test/alice/new"
  run grep -rlx "delivered once" "$PH/mail/example.test/alice/new"
  assert_equal "${#lines[@]}" 1
  run grep -rl "smtpd dies\|daemon dies" "$PH/mail/example.test/alice/new"
  assert_equal "${#lines[@]}" 0
}
