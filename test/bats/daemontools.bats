#!/usr/bin/env bats
# posta under daemontools (Debian's svscan/supervise/multilog), converted as
# contrib/daemontools/README says: no notification-fd files, multilog loggers. supervise
# gives the services no readiness fd, so the run scripts' "-d 3" names a closed descriptor:
# every daemon must run without readiness (one warning) and never take fd 3 for its own.
# A mail goes in (SMTP to a local user, read back over IMAP) and out (to a sink by
# control/smtproutes).
load ../lib/instance
load ../lib/remote


setup_file() {
  command -v svscan >/dev/null || skip "daemontools is not installed"
  export T=$(mktemp -d /tmp/posta-dt.XXXXXX)
  chmod 755 "$T"
  instance_create dt.test
  posta user add carol@dt.test --password-stdin <<<"s3cret-Pass" >/dev/null
  for s in "$PH"/service/*/; do
    s=${s%/}
    rm -f "$s/notification-fd"
    printf '#!/bin/sh\nexec multilog t s1000000 n5 %s\n' "$PH/log/$(basename "$s")" >"$s/log/run"
  done
  export SINK_PORT=$(free_port)
  start_sink sink --listen "127.0.0.3:$SINK_PORT"
  echo "remote.test:127.0.0.3:$SINK_PORT" >"$PH/control/smtproutes"
  (exec svscan "$PH/service" </dev/null >"$T/svscan.log" 2>&1 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&-) &
  echo $! >"$T/svscan.pid"
  local svc
  for svc in "$PH"/service/*/; do
    [ -f "$svc/port" ] || continue
    wait_port "$INSTANCE_IP" "$(cat "$svc/port")" 30
  done
}

teardown_file() {
  [ -n "${T:-}" ] || return 0
  kill "$(cat "$T/svscan.pid")" 2>/dev/null || true
  for s in "$PH"/service/*/; do svc -dx "$s" "$s/log" 2>/dev/null || true; done
  kill_started
  sleep 0.2
  instance_stop
  [ -n "${KEEP_INSTANCE:-}" ] || rm -rf "$T"
}

setup() { load_helpers; }

has_mail() { [ "$(maildir_count "$1")" -ge 1 ]; }
sink_has() { grep -qs "$1" "$T"/sink/msg.*; }

@test "every service is up under supervise and stays up" {
  local s
  for s in "$PH"/service/*/; do
    run svstat "$s"
    assert_output --partial ": up"
  done
  # up for more than a second: nothing exited and was restarted after start-up
  sleep 1.2
  for s in "$PH"/service/*/; do
    run svstat "$s"
    refute_output --regexp ': up \(pid [0-9]+\) [01] seconds'
  done
}

@test "a closed readiness fd gives one warning and the daemon keeps its sockets" {
  wait_for 10 grep -q "readiness fd 3 is not open" "$PH/log/smtpd/current"
  run grep -c "readiness fd 3 is not open" "$PH/log/smtpd/current"
  assert_output 1
  # the listening socket of posta-tcpd still answers (it used to be fd 3, written to and closed)
  run swaks --server "$INSTANCE_IP:$SMTP_PORT" --quit-after EHLO
  assert_success
  assert_output --partial "250"
  run grep -l "readiness fd 3 is not open" "$PH"/log/{send,queued,authd,tlsd}/current
  assert_success
}

@test "a mail in: SMTP to a local user, read back over IMAP" {
  run swaks --server "$INSTANCE_IP:$SMTP_PORT" --from someone@example.org --to carol@dt.test \
    --header "Subject: under daemontools" --body "hello from supervise"
  assert_success
  wait_for 20 has_mail carol@dt.test
  run curl -s -k --max-time 10 "imaps://$INSTANCE_IP:$IMAPS_PORT/INBOX;UID=1" -u "carol@dt.test:s3cret-Pass"
  assert_success
  assert_output --partial "hello from supervise"
}

@test "a mail out: submission with AUTH to a remote domain reaches the sink" {
  run swaks --server "$INSTANCE_IP:$SUBMISSION_PORT" --from carol@dt.test --to dave@remote.test \
    --auth PLAIN --auth-user carol@dt.test --auth-password s3cret-Pass -tls \
    --header "Subject: out" --body "leaving through posta-remote"
  assert_success
  wait_for 30 sink_has "leaving through posta-remote"
  run grep -h "^RCPT" "$T"/sink/msg.*
  assert_output --partial "dave@remote.test"
}

@test "svc -h and svc -d act on the daemons" {
  run svc -h "$PH/service/smtpd"
  assert_success
  run swaks --server "$INSTANCE_IP:$SMTP_PORT" --quit-after EHLO
  assert_success
  svc -d "$PH/service/pop3"
  wait_for 10 bash -c "svstat '$PH/service/pop3' | grep -q ': down'"
  svc -u "$PH/service/pop3"
  wait_port "$INSTANCE_IP" "$POP3_PORT" 10
}
