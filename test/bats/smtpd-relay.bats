#!/usr/bin/env bats
# posta-smtpd: relay control, open-relay tricks, AUTH over STARTTLS and implicit TLS,
# submission mode and the sender-ownership check.

load ../lib/instance
load smtpd_helpers

setup_file() {
  smtpd_instance
  # the relay tests log in on the MX port too, which offers AUTH only when told to
  # (control/smtpauth; origin.bats tests the default)
  control smtpauth yes
  echo adminpw | posta user add admin@example.test --password-stdin --master >&2
  instance_start
}

teardown_file() { instance_stop; }

setup() { load_helpers; }

auth_swaks() {  # auth_swaks PORT USER PASS FROM TO [swaks args...]
  local port=$1 user=$2 pass=$3 from=$4 to=$5; shift 5
  swaks --server 127.0.0.1 --port "$port" -tls --auth PLAIN --auth-user "$user" \
    --auth-password "$pass" --from "$from" --to "$to" "$@"
}

@test "relay: denied without AUTH or RELAYCLIENT, loopback included" {
  clear_rec
  run swaks --server 127.0.0.1 --port "$SMTP_PORT" --from alice@example.test --to someone@remote.example
  assert_failure
  assert_output --partial "554 5.7.1 <someone@remote.example>: Relay access denied"
  run swaks --server 127.0.0.1 --port "$SMTP_PORT" --from alice@example.test --to "user@[192.0.2.1]"
  assert_output --partial "554 5.7.1"
  [ "$(seen_count)" = 0 ]
}

@test "relay: open-relay tricks are refused or stay local names" {
  clear_rec
  run raw_smtp "
c.cmd('EHLO x')
c.cmd('MAIL FROM:<a@remote.example>')
for r in ['someone%remote.example@example.test', 'remote.example!someone@example.test',
          '\"someone@remote.example\"@example.test', '@example.test:someone@remote.example',
          'someone@remote.example.', 'someone@example.test.', 'someone@remote.example@example.test',
          'someone%remote.example', '\"alice@remote.example\"@example.test']:
    print(r, c.cmd('RCPT TO:<' + r + '>'))
print(c.cmd('DATA'))"
  assert_success
  refute_output --partial "(250,"
  assert_line --partial "someone%remote.example@example.test (550, ['5.1.1"
  assert_line --partial "remote.example!someone@example.test (550, ['5.1.1"
  assert_line --partial "\"someone@remote.example\"@example.test (550, ['5.1.1"
  assert_line --partial "@example.test:someone@remote.example (554, ['5.7.1"
  assert_line --partial "someone@remote.example. (501, ['5.1.3"
  assert_line --partial "(554, ['5.5.1 No valid recipients'])"
  [ "$(seen_count)" = 0 ]
}

@test "relay: AUTH is not offered and refused before TLS" {
  run raw_smtp "
print(c.cmd('EHLO x'))
print(c.cmd('AUTH PLAIN AGFsaWNlQGV4YW1wbGUudGVzdABhbGljZXB3'))"
  assert_success
  refute_line --index 0 --partial "AUTH"
  assert_line --index 1 --partial "(538, ['5.7.11"
}

@test "relay: allowed after AUTH PLAIN over STARTTLS; Received names TLS and the user" {
  clear_rec
  run auth_swaks "$SMTP_PORT" alice@example.test alicepw alice@example.test someone@remote.example
  assert_success
  assert_output --partial "235 2.7.0 Authentication successful"
  assert_output --partial "250 2.0.0 Ok: queued"
  run last_message
  assert_output --regexp "\(using TLSv1\.[23] with cipher [A-Z0-9_-]+\)"
  assert_output --partial "(authenticated user alice@example.test)"
  assert_output --partial "with ESMTPSA"
  run last_vars
  assert_line POSTA_AUTH_USER=alice@example.test
}

@test "relay: AUTH LOGIN works too (smtplib over STARTTLS)" {
  run py "
import smtplib, ssl, os
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
s = smtplib.SMTP('127.0.0.1', int(os.environ['SMTP_PORT']))
s.starttls(context=ctx)
s.ehlo('x')
print(s.esmtp_features.get('auth'))
s.user, s.password = 'bob@example.test', 'bobpw'
print(s.auth('LOGIN', s.auth_login, initial_response_ok=False))
print(s.sendmail('bob@example.test', ['x@remote.example'], b'Subject: l\r\n\r\nx\r\n'))
s.quit()"
  assert_success
  assert_line --index 0 " PLAIN LOGIN"
  assert_line --index 1 --partial "(235, b'2.7.0"
  assert_line --index 2 "{}"
}

@test "relay: wrong password gets 535 with growing delay, then 421" {
  run raw_smtp "
c.cmd('EHLO x'); c.cmd('STARTTLS'); c.starttls(); c.cmd('EHLO x')
for i in range(3):
    t = time.time()
    print(c.cmd('AUTH PLAIN ' + base64.b64encode(b'\0alice@example.test\0wrong').decode()), round(time.time() - t))
print(c.reply())
print(c.closed())"
  assert_success
  assert_line --index 0 --regexp "^\(535, \['5\.7\.8 Authentication credentials invalid'\]\) [0-9]+$"
  t1=$(sed -n 1p <<<"$output" | awk '{print $NF}')
  t3=$(sed -n 3p <<<"$output" | awk '{print $NF}')
  [ "$t3" -ge $((t1 + 2)) ]
  assert_line --index 3 --partial "(421, ['4.7.0"
  assert_line --index 4 True
}

@test "relay: AUTH cancel and bad base64 are syntax errors, not failures" {
  run smtp_replies "c.cmd('EHLO x'); c.cmd('STARTTLS'); c.starttls(); c.cmd('EHLO x')" \
    'AUTH PLAIN' '*' 'AUTH PLAIN !!!!' 'AUTH CRAM-MD5' 'AUTH LOGIN' YWxpY2VAZXhhbXBsZS50ZXN0 YWxpY2Vwdw== \
    'AUTH PLAIN AGFsaWNlQGV4YW1wbGUudGVzdABhbGljZXB3'
  assert_success
  assert_line --index 0 "(334, [''])"
  assert_line --index 1 --partial "(501, ['5.0.0"
  assert_line --index 2 --partial "(501, ['5.5.2"
  assert_line --index 3 --partial "(504, ['5.5.4"
  assert_line --index 4 "(334, ['VXNlcm5hbWU6'])"
  assert_line --index 5 "(334, ['UGFzc3dvcmQ6'])"
  assert_line --index 6 --partial "(235, ['2.7.0"
  assert_line --index 7 --partial "(503, ['5.5.1 Already authenticated"
}

@test "relay: an AUTH PLAIN authorization identity is a master login (authzid*authcid), as in IMAP and POP3" {
  run raw_smtp "
c.cmd('EHLO x'); c.cmd('STARTTLS'); c.starttls(); c.cmd('EHLO x')
plain = lambda z, c_, p: 'AUTH PLAIN ' + base64.b64encode(z + b'\0' + c_ + b'\0' + p).decode()
print(c.cmd(plain(b'bob@example.test', b'alice@example.test', b'alicepw')))
print(c.cmd(plain(b'alice@example.test', b'admin@example.test', b'adminpw')))"
  assert_success
  assert_line --index 0 --partial "(535, ['5.7.8"
  assert_line --index 1 --partial "(235, ['2.7.0"
}

@test "relay: RELAYCLIENT from a posta-tcpd rule allows relaying without AUTH" {
  clear_rec
  control smtp.rules '127.0.0.1:allow,RELAYCLIENT=""'
  s6-svc -h "$PH/service/smtpd"
  relayed() {
    swaks --server 127.0.0.1 --port "$SMTP_PORT" --from a@example.test --to x@remote.example 2>&1 |
      grep -q "250 2.0.0 Ok: queued"
  }
  wait_for 10 relayed
  control smtp.rules ':allow'
  s6-svc -h "$PH/service/smtpd"
  denied() {
    swaks --server 127.0.0.1 --port "$SMTP_PORT" --from a@example.test --to x@remote.example 2>&1 |
      grep -q "554 5.7.1"
  }
  wait_for 10 denied
}

# posta-tcpd -R: counts in the smtpd log
ended_count() { grep -c "posta-tcpd: info: end [0-9]* .* done conn" "$PH/log/smtpd/current"; }
reload_count() { grep -c "posta-tcpd: info: rules reloaded" "$PH/log/smtpd/current"; }
# session_swaks ARGS...: swaks on the SMTP port; returns once posta-tcpd has the connection
# back (its server said "done"), so that the next one goes to the same server
session_swaks() {
  local n; n=$(ended_count)
  run swaks --server 127.0.0.1 --port "$SMTP_PORT" --from a@example.test --to x@remote.example "$@"
  wait_for 10 eval '[ "$(ended_count)" -gt "$n" ]'
}

@test "reuse: one posta-smtpd serves the next connections; AUTH, TLS and RELAYCLIENT never carry over" {
  local n
  n=$(reload_count)
  control smtp.rules "$(printf '127.0.0.2:allow,RELAYCLIENT=""\n:allow')"
  s6-svc -h "$PH/service/smtpd"
  wait_for 10 eval '[ "$(reload_count)" -gt "$n" ]'
  first=$(($(wc -l <"$PH/log/smtpd/current") + 1))
  # (the login's own sender: an authenticated session may use no other, on any port)
  session_swaks -tls --auth PLAIN --auth-user alice@example.test --auth-password alicepw --from alice@example.test
  assert_output --partial "250 2.0.0 Ok: queued"
  session_swaks
  assert_output --partial "250-STARTTLS"
  assert_output --partial "554 5.7.1"
  session_swaks --local-interface 127.0.0.2
  assert_output --partial "250 2.0.0 Ok: queued"
  session_swaks
  assert_output --partial "554 5.7.1"
  starts=$(tail -n +"$first" "$PH/log/smtpd/current" | sed -n 's/.*posta-tcpd: info: start \([0-9]*\) .*/\1/p')
  echo "$starts"
  [ "$(echo "$starts" | wc -l)" = 4 ]
  [ "$(echo "$starts" | sort -u | wc -l)" = 1 ]
  n=$(reload_count)
  control smtp.rules ':allow'
  s6-svc -h "$PH/service/smtpd"
  wait_for 10 eval '[ "$(reload_count)" -gt "$n" ]'
}

@test "submission: MAIL needs AUTH; sender must be the login or its alias" {
  clear_rec
  run swaks --server 127.0.0.1 --port "$SUBMISSION_PORT" -tls --from alice@example.test --to bob@example.test
  assert_failure
  assert_output --partial "530 5.7.0 Authentication required"
  run auth_swaks "$SUBMISSION_PORT" alice@example.test alicepw bob@example.test x@remote.example
  assert_failure
  assert_output --partial "553 5.7.1 Sender address <bob@example.test> not owned by user alice@example.test"
  run auth_swaks "$SUBMISSION_PORT" alice@example.test alicepw alice@example.test x@remote.example
  assert_success
  run auth_swaks "$SUBMISSION_PORT" alice@example.test alicepw info@example.test bob@example.test
  assert_success
  run auth_swaks "$SUBMISSION_PORT" alice@example.test alicepw alice+lists@example.test bob@example.test
  assert_success
  [ "$(queued_count)" = 3 ]
}

@test "ownership: an authenticated session on the MX port is held to its login's senders too" {
  clear_rec
  run auth_swaks "$SMTP_PORT" alice@example.test alicepw bob@example.test x@remote.example
  assert_failure
  assert_output --partial "553 5.7.1 Sender address <bob@example.test> not owned by user alice@example.test"
  run auth_swaks "$SMTP_PORT" alice@example.test alicepw info@example.test x@remote.example
  assert_success
  # without a login, port 25 takes any sender for our domains (that is what an MX is for)
  run swaks --server 127.0.0.1 --port "$SMTP_PORT" --from bob@example.test --to alice@example.test
  assert_success
  [ "$(queued_count)" = 2 ]
}

@test "submission: the ownership check can be turned off" {
  control submissionsendercheck no
  run auth_swaks "$SUBMISSION_PORT" alice@example.test alicepw bob@example.test x@remote.example
  control submissionsendercheck yes
  assert_success
}

@test "smtps: implicit TLS on 465 with AUTH (swaks --tls-on-connect, curl)" {
  clear_rec
  run swaks --server 127.0.0.1 --port "$SMTPS_PORT" --tls-on-connect --auth LOGIN \
    --auth-user bob@example.test --auth-password bobpw --from bob@example.test --to alice@example.test
  assert_success
  assert_output --partial "250 2.0.0 Ok: queued"
  printf 'Subject: curl\r\n\r\nvia curl\r\n' >"$BATS_TEST_TMPDIR/m"
  run curl -sS --insecure --url "smtps://127.0.0.1:$SMTPS_PORT" --user 'bob@example.test:bobpw' \
    --mail-from bob@example.test --mail-rcpt alice@example.test --upload-file "$BATS_TEST_TMPDIR/m"
  assert_success
  [ "$(queued_count)" = 2 ]
  run last_message
  assert_output --partial "with ESMTPSA"
  run curl -sS --insecure --url "smtps://127.0.0.1:$SMTPS_PORT" --user 'bob@example.test:wrong' \
    --mail-from bob@example.test --mail-rcpt alice@example.test --upload-file "$BATS_TEST_TMPDIR/m"
  assert_failure
}
