#!/usr/bin/env bats
# Time limits of client sessions: a client that stops reading is dropped
# after control/timeoutwrite, and is never left holding a process in write(); a session
# ends at its session limit with a proper goodbye; IMAP IDLE is bounded and not counted.
# Through real sockets against an instance; the limits are set to a second or two here.

load ../lib/instance
CLIENT=$BATS_TEST_DIRNAME/../fixtures/limits/client.py

setup_file() {
  instance_create example.test
  echo yes >"$PH/control/authplaintext"
  printf 'secret-one\n' | posta user add alice@example.test --password-stdin >&2
  instance_start
}

teardown_file() { instance_stop; }

setup() {
  load_helpers
  rm -f "$PH/control/timeoutwrite" "$PH/control/sessionlimit"* "$PH/control/imaptimeout"
}

# log SERVICE: the service's log file
log() { echo "$PH/log/$1/current"; }

# set_control NAME VALUE
set_control() { echo "$2" >"$PH/control/$1"; }

@test "smtpd: a client that pipelines EHLOs and never reads is dropped after timeoutwrite" {
  set_control timeoutwrite 1
  run $PY "$CLIENT" stall "$SMTP_PORT" "$(log smtpd)" "write timeout: the client took nothing for 1 s" smtp
  echo "$output"
  assert_success
  assert_output "closed"
}

@test "imapd: a client that pipelines CAPABILITY and never reads is dropped after timeoutwrite" {
  set_control timeoutwrite 1
  run $PY "$CLIENT" stall "$IMAP_PORT" "$(log imap)" "write timeout: the client took nothing for 1 s" imap
  echo "$output"
  assert_success
  assert_output "closed"
  # the process is gone: posta-tcpd logged its end
  wait_for 10 grep -q "posta-tcpd: info: end [0-9]* 127.0.0.1" "$(log imap)"
}

@test "pop3d: a client that pipelines CAPA and never reads is dropped after timeoutwrite" {
  set_control timeoutwrite 1
  run $PY "$CLIENT" stall "$POP3_PORT" "$(log pop3)" "write timeout: the client took nothing for 1 s" pop3
  echo "$output"
  assert_success
  assert_output "closed"
  wait_for 10 grep -q "posta-tcpd: info: end [0-9]* 127.0.0.1" "$(log pop3)"
}

@test "smtpd: a busy session ends at sessionlimitsmtpd with 421 4.4.2" {
  set_control sessionlimitsmtpd 2
  run $PY "$CLIENT" limit "$SMTP_PORT" smtp "421 4.4.2"
  echo "$output"
  assert_success
  assert_output --partial "Session time limit reached"
  assert_line --regexp "closed after [1-3] s"
  grep -q "posta-smtpd: info: 127.0.0.1: session time limit reached" "$(log smtpd)"
}

@test "smtpd: sessionlimitsmtpd 0 means none" {
  set_control sessionlimitsmtpd 0
  run $PY "$CLIENT" busy "$SMTP_PORT" smtp 3
  echo "$output"
  assert_success
  assert_output "still open"
}

@test "imapd: a busy session ends at sessionlimitimapd with * BYE, also before login" {
  set_control sessionlimitimapd 2
  run $PY "$CLIENT" limit "$IMAP_PORT" imap "* BYE"
  echo "$output"
  assert_success
  assert_output --partial "* BYE Session time limit reached"
  assert_line --regexp "closed after [1-3] s"
  grep -q "posta-imapd: info: session time limit reached ip=127.0.0.1" "$(log imap)"
}

@test "imapd: the post-auth process keeps the deadline of the connection, not a new one" {
  set_control sessionlimitimapd 4
  LOGIN_DELAY=2.5 run $PY "$CLIENT" limit "$IMAP_PORT" imap "* BYE" alice@example.test secret-one
  echo "$output"
  assert_success
  assert_output --partial "* BYE Session time limit reached"
  # 4 s from the connection, of which 2.5 passed before LOGIN
  assert_line --regexp "closed after [0-2] s"
}

@test "imapd: IDLE time does not count towards the session limit" {
  # 4 s of IDLE: without the exception the 3 s limit would have passed before DONE
  set_control sessionlimitimapd 3
  set_control imaptimeout 6
  run $PY "$CLIENT" idle "$IMAP_PORT" alice@example.test secret-one 4
  echo "$output"
  assert_success
  assert_line "i OK IDLE terminated"
  assert_line --regexp "^n OK"
}

@test "imapd: one IDLE ends after imaptimeout with * BYE" {
  set_control imaptimeout 2
  run $PY "$CLIENT" idle "$IMAP_PORT" alice@example.test secret-one 20
  echo "$output"
  assert_success
  assert_output --partial "* BYE Autologout"
  assert_line --regexp "ended after [1-4] s"
}

@test "pop3d: a busy session ends at sessionlimitpop3d with -ERR, before and after login" {
  set_control sessionlimitpop3d 2
  run $PY "$CLIENT" limit "$POP3_PORT" pop3 "session time limit"
  echo "$output"
  assert_success
  assert_output --partial "-ERR [SYS/TEMP] session time limit reached"
  assert_line --regexp "closed after [1-3] s"
  LOGIN_DELAY=1 run $PY "$CLIENT" limit "$POP3_PORT" pop3 "session time limit" alice@example.test secret-one
  echo "$output"
  assert_success
  assert_output --partial "-ERR [SYS/TEMP] session time limit reached"
  assert_line --regexp "closed after [0-2] s"
  grep -q "posta-pop3d: info: session time limit reached ip=127.0.0.1" "$(log pop3)"
}

# tlsd_on MODE ARGS...: posta-tcpd running posta-tlsd MODE ARGS -- /bin/cat with the
# instance's certificate; port in $TLSD_PORT, log in $BATS_TEST_TMPDIR/tlsd.log
tlsd_on() {
  stop_tcpd
  TLSD_PORT=$(free_port)
  (exec "$POSTA_BIN/posta-tcpd" -d 3 127.0.0.1 "$TLSD_PORT" "$POSTA_BIN/posta-tlsd" "$@" \
    -f "$PH/tls/cert.pem" -k "$PH/tls/key.pem" -S '' -- /bin/cat \
    2>"$BATS_TEST_TMPDIR/tlsd.log" 3>"$BATS_TEST_TMPDIR/ready") &
  TCPD_PID=$!
  wait_for 10 test -s "$BATS_TEST_TMPDIR/ready"
}

stop_tcpd() {
  if [ -n "${TCPD_PID:-}" ]; then
    pkill -9 -P "$TCPD_PID" 2>/dev/null || true
    kill -9 "$TCPD_PID" 2>/dev/null || true
    wait "$TCPD_PID" 2>/dev/null || true
    TCPD_PID=
  fi
}

# tlsd_daemon_on ARGS...: a private posta-tlsd -D ARGS with the instance's certificate, and
# a posta-tcpd -T -M starttls on it running posta-smtpd, which hands the connection to that
# posta-tlsd at STARTTLS; port in $TLSD_PORT, posta-tlsd's log in $BATS_TEST_TMPDIR/tlsd.log
tlsd_daemon_on() {
  stop_tcpd
  local sock=$PH/run/limits-tlsd.sock
  (exec "$POSTA_BIN/posta-tlsd" -D "$sock" -G "$(stat -c %G "$PH")" "$@" -f "$PH/tls/cert.pem" -k "$PH/tls/key.pem" -S '' -d 3 \
    </dev/null 2>"$BATS_TEST_TMPDIR/tlsd.log" 3>"$BATS_TEST_TMPDIR/tlsd.ready") &
  TLSD_PID=$!
  wait_for 10 test -s "$BATS_TEST_TMPDIR/tlsd.ready"
  TLSD_PORT=$(free_port)
  (cd "$PH" && POSTA_HOME=$PH exec "$POSTA_BIN/posta-tcpd" -d 3 -T "$sock" -M starttls 127.0.0.1 "$TLSD_PORT" \
    "$POSTA_BIN/posta-smtpd" </dev/null 2>"$BATS_TEST_TMPDIR/tcpd.log" 3>"$BATS_TEST_TMPDIR/ready") &
  TCPD_PID=$!
  wait_for 10 test -s "$BATS_TEST_TMPDIR/ready"
}

teardown() {
  stop_tcpd
  if [ -n "${TLSD_PID:-}" ]; then
    kill -9 "$TLSD_PID" 2>/dev/null || true
    wait "$TLSD_PID" 2>/dev/null || true
    TLSD_PID=
  fi
}

@test "tlsd -i: a client that sends and never reads is dropped after -W" {
  tlsd_on -i -W 1
  run $PY "$CLIENT" stall "$TLSD_PORT" "$BATS_TEST_TMPDIR/tlsd.log" "write timeout: the client took nothing for 1 s" raw tls
  echo "$output"
  assert_success
  assert_output "closed"
  wait_for 10 grep -q "posta-tcpd: info: end " "$BATS_TEST_TMPDIR/tlsd.log"
}

@test "tlsd -s: before STARTTLS too, a client that never reads is dropped after -W" {
  tlsd_on -s -W 1
  run $PY "$CLIENT" stall "$TLSD_PORT" "$BATS_TEST_TMPDIR/tlsd.log" "write timeout: the client took nothing for 1 s" raw
  echo "$output"
  assert_success
  assert_output "closed"
}

@test "tlsd -D: after STARTTLS, a client that never reads is dropped after -W; the server goes on" {
  tlsd_daemon_on -W 1
  run $PY "$CLIENT" stall "$TLSD_PORT" "$BATS_TEST_TMPDIR/tlsd.log" "write timeout: the client took nothing for 1 s" smtp starttls
  echo "$output"
  assert_success
  assert_output "closed"
  run timeout 20 swaks --quit-after EHLO -tls --server 127.0.0.1 --port "$TLSD_PORT"
  assert_success
  assert_output --partial "TLS started with cipher"
}

@test "tlsd: a quiet connection with nothing to write is not ended by -W" {
  tlsd_on -i -W 1
  run $PY "$CLIENT" quiet "$TLSD_PORT" 3 tls
  echo "$output"
  assert_output "echo: ping"
  tlsd_on -s -W 1
  run $PY "$CLIENT" quiet "$TLSD_PORT" 3 plain
  echo "$output"
  assert_output "echo: ping"
  run ! grep -q "write timeout" "$BATS_TEST_TMPDIR/tlsd.log"
}

@test "tlsd: a busy connection ends at -L" {
  tlsd_on -i -L 2
  run $PY "$CLIENT" echo "$TLSD_PORT"
  echo "$output"
  assert_success
  assert_line --regexp "closed after [1-3] s"
  grep -q "session time limit of 2 s reached" "$BATS_TEST_TMPDIR/tlsd.log"
}

@test "tlsd: -W and -L take seconds" {
  for bad in "-W 0" "-W x" "-L -1"; do
    run "$POSTA_BIN/posta-tlsd" -i $bad -- /bin/cat
    assert_failure 100
  done
}
