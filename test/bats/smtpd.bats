#!/usr/bin/env bats
# posta-smtpd: protocol, extensions and local delivery end to end (swaks, smtplib, raw).
# Relay/AUTH/submission: smtpd-relay.bats; bad input and limits: smtpd-bad.bats.

load ../lib/instance
load smtpd_helpers

setup_file() { smtpd_instance; instance_start; }

teardown_file() { instance_stop; }

setup() { load_helpers; }

@test "smtpd: greeting and EHLO keywords; no AUTH without TLS" {
  run raw_smtp "
print(c.greeting)
print(c.cmd('EHLO client.example'))
print(c.cmd('QUIT'))"
  assert_success
  assert_line --partial "(220, ['example.test ESMTP posta'])"
  for k in PIPELINING "SIZE 52428800" 8BITMIME SMTPUTF8 ENHANCEDSTATUSCODES CHUNKING DSN STARTTLS; do
    assert_output --partial "'$k'"
  done
  refute_output --partial "AUTH"
  assert_line --partial "(221, ['2.0.0 example.test closing connection'])"
}

@test "smtpd: swaks delivers to a local user; envelope and Received header as expected" {
  clear_rec
  run swaks --server 127.0.0.1 --port "$SMTP_PORT" --helo client.example \
    --from sender@remote.example --to alice@example.test --header "Subject: hello"
  assert_success
  assert_output --partial "<-  250 2.0.0 Ok: queued"
  [ "$(queued_count)" = 1 ]
  run last_envelope
  assert_line --index 0 "Fsender@remote.example"
  assert_line --index 1 "Talice@example.test"
  run last_message
  assert_line --index 0 "Received: from client.example ([127.0.0.1])"
  assert_output --partial "by example.test (posta-smtpd) with ESMTP"
  assert_output --partial "for <alice@example.test>;"
  assert_output --partial "Subject: hello"
  refute_output --partial $'\r'
}

@test "smtpd: the message reaches alice's Maildir through the real queue" {
  [ -x "$POSTA_BIN/posta-queue" ] || fail "posta-queue not built"
  before=$(maildir_count alice@example.test)
  run swaks --server 127.0.0.1 --port "$SMTP_PORT" --from s@remote.example \
    --to alice@example.test --header "Subject: e2e-check"
  assert_success
  wait_for 20 eval '[ "$(maildir_count alice@example.test)" -gt "$before" ]'
  run grep -rl "Subject: e2e-check" "$PH/mail/example.test/alice/new" "$PH/mail/example.test/alice/cur"
  assert_success
}

@test "smtpd: posta-sendmail -bs takes a script piped in before the greeting, swaks --pipe too" {
  before=$(maildir_count alice@example.test)
  run bash -c "printf 'EHLO script\r\nMAIL FROM:<s@example.test>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\nSubject: bs-script\r\n\r\nhi\r\n.\r\nQUIT\r\n' | POSTA_HOME='$PH' '$POSTA_BIN/posta-sendmail' -bs"
  assert_success
  assert_output --partial "250 2.0.0"
  refute_output --partial "554"
  # swaks ignores SIGCHLD: posta-smtpd must still be able to wait for posta-queue
  run env POSTA_HOME="$PH" swaks --pipe "$POSTA_BIN/posta-sendmail -bs" --from s@example.test \
    --to alice@example.test --header "Subject: bs-swaks"
  assert_success
  assert_output --partial "queued as"
  wait_for 20 eval '[ "$(maildir_count alice@example.test)" -ge $((before + 2)) ]'
}

@test "smtpd: pipelined session (swaks --pipeline) with two recipients and an alias" {
  clear_rec
  run swaks --pipeline --server 127.0.0.1 --port "$SMTP_PORT" --from s@remote.example \
    --to alice@example.test,info@example.test
  assert_success
  assert_output --partial "250 2.0.0 Ok: queued"
  run last_envelope
  assert_line "Talice@example.test"
  assert_line "Tinfo@example.test"
}

@test "smtpd: a whole transaction in one packet gets every reply in order" {
  clear_rec
  run raw_smtp "
c.send(b'EHLO x\r\nMAIL FROM:<a@remote.example>\r\nRCPT TO:<nobody@example.test>\r\n'
       b'RCPT TO:<bob@example.test>\r\nDATA\r\nSubject: p\r\n\r\nhi\r\n.\r\nQUIT\r\n')
for i in range(7): print(c.reply())"
  assert_success
  assert_line --index 1 "(250, ['2.1.0 Ok'])"
  assert_line --index 2 --partial "(550, ['5.1.1 <nobody@example.test>"
  assert_line --index 3 "(250, ['2.1.5 Ok'])"
  assert_line --index 4 --partial "(354,"
  assert_line --index 5 --partial "(250, ['2.0.0 Ok: queued"
  assert_line --index 6 --partial "(221,"
  [ "$(queued_count)" = 1 ]
}

@test "smtpd: 8BITMIME and SMTPUTF8 with a UTF-8 sender (smtplib)" {
  clear_rec
  run py "
import smtplib, os
s = smtplib.SMTP('127.0.0.1', int(os.environ['SMTP_PORT']))
s.ehlo('client.example')
msg = 'Subject: =?utf-8?q?gr=C3=BC=C3=9Fe?=\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nGrüße, Jörg\r\n'.encode()
s.sendmail('jörg@remote.example', ['alice@example.test'], msg, mail_options=['SMTPUTF8', 'BODY=8BITMIME'])
s.quit()"
  assert_success
  [ "$(queued_count)" = 1 ]
  run last_envelope
  assert_line --index 0 "Fjörg@remote.example"
  run last_message
  assert_output --partial "Grüße, Jörg"
  assert_output --partial "with UTF8SMTP"
  run last_vars
  assert_line POSTA_SMTPUTF8=1
  assert_line POSTA_BODY=8BITMIME
}

@test "smtpd: UTF-8 address without SMTPUTF8 is refused" {
  run raw_smtp "
c.cmd('EHLO x')
print(c.cmd('MAIL FROM:<jörg@remote.example>'))
print(c.cmd('MAIL FROM:<a@remote.example>'))
print(c.cmd('RCPT TO:<jörg@example.test>'))"
  assert_success
  assert_line --index 0 --partial "(553, ['5.6.7"
  assert_line --index 1 "(250, ['2.1.0 Ok'])"
  assert_line --index 2 --regexp "^\(5[05][0-9]"
}

@test "smtpd: CHUNKING: BDAT chunks split anywhere make one message" {
  clear_rec
  run raw_smtp "
c.cmd('EHLO x')
c.send(b'MAIL FROM:<a@remote.example>\r\nRCPT TO:<alice@example.test>\r\n')
print(c.reply()); print(c.reply())
body = b'Subject: chunky\r\n\r\nline one\r\n.dot line\r\nlast'
c.send(b'BDAT 13\r\n' + body[:13] + b'BDAT ' + str(len(body) - 13).encode() + b' LAST\r\n' + body[13:])
print(c.reply()); print(c.reply())
print(c.cmd('QUIT'))"
  assert_success
  assert_line --index 2 "(250, ['2.0.0 13 octets received'])"
  assert_line --index 3 --partial "(250, ['2.0.0 Ok: queued"
  run last_message
  assert_output --partial "Subject: chunky"
  assert_output --partial $'\n.dot line\nlast'
}

@test "smtpd: BDAT without MAIL consumes the chunk and answers 503" {
  run raw_smtp "
c.cmd('EHLO x')
c.send(b'BDAT 10 LAST\r\nNOOP\r\nXXXX')
print(c.reply())
print(c.cmd('NOOP'))"
  assert_success
  assert_line --index 0 --partial "(503, ['5.5.1"
  assert_line --index 1 "(250, ['2.0.0 Ok'])"
}

@test "smtpd: DSN parameters travel with the envelope" {
  clear_rec
  run raw_smtp "
c.cmd('EHLO x')
print(c.cmd('MAIL FROM:<a@remote.example> RET=HDRS ENVID=abc+2B123'))
print(c.cmd('RCPT TO:<alice@example.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;alice+40example.test'))
print(c.cmd('RCPT TO:<bob@example.test> NOTIFY=NEVER'))
print(c.cmd('RCPT TO:<bob@example.test> NOTIFY=SOMETIMES'))
print(c.cmd('DATA')); print(c.cmd('Subject: dsn\r\n\r\nx\r\n.'))"
  assert_success
  assert_line --index 3 --partial "(501, ['5.5.4 Invalid NOTIFY"
  assert_line --index 5 --partial "Ok: queued"
  run last_envelope
  assert_line --index 1 "Talice@example.test"
  assert_line --index 2 "NSUCCESS,FAILURE"
  assert_line --index 3 "Orfc822;alice@example.test"
  assert_line --index 4 "Tbob@example.test"
  assert_line --index 5 "NNEVER"
  run last_vars
  assert_line POSTA_DSN_RET=HDRS
  assert_line POSTA_DSN_ENVID=abc+123
}

@test "smtpd: unknown local user gets 550 5.1.1 at RCPT, disabled user 550 5.2.1" {
  run swaks --server 127.0.0.1 --port "$SMTP_PORT" --from s@remote.example --to nobody@example.test
  assert_failure
  assert_output --partial "550 5.1.1 <nobody@example.test>: Recipient address rejected: User unknown"
  posta user add carol@example.test --no-password --disabled >&2
  run swaks --server 127.0.0.1 --port "$SMTP_PORT" --from s@remote.example --to carol@example.test
  assert_failure
  assert_output --partial "550 5.2.1"
}

@test "smtpd: sub-address, postmaster without domain, duplicates kept once" {
  posta alias add postmaster@example.test alice@example.test >&2 || true
  clear_rec
  run raw_smtp "
c.cmd('EHLO x')
c.cmd('MAIL FROM:<>')
print(c.cmd('RCPT TO:<alice+news@example.test>'))
print(c.cmd('RCPT TO:<Postmaster>'))
print(c.cmd('RCPT TO:<ALICE@EXAMPLE.TEST>'))
print(c.cmd('RCPT TO:<alice+news@example.test>'))
c.cmd('DATA'); print(c.cmd('x\r\n.'))"
  assert_success
  assert_line --index 0 "(250, ['2.1.5 Ok'])"
  assert_line --index 1 "(250, ['2.1.5 Ok'])"
  assert_line --index 2 "(250, ['2.1.5 Ok'])"
  assert_line --index 4 --partial "Ok: queued"
  run last_envelope
  assert_line --index 0 "F"
  [ "$(grep -c '^Talice+news@example.test$' <<<"$output")" = 1 ]
  assert_line "Tpostmaster@example.test"
  assert_line "TALICE@example.test"
}

@test "smtpd: VRFY reveals nothing, EXPN refused, HELP, RSET, NOOP, HELO" {
  run smtp_replies "" 'HELO x' 'VRFY alice' 'VRFY nobody' 'EXPN list' HELP \
    'MAIL FROM:<a@remote.example>' RSET 'RCPT TO:<alice@example.test>' NOOP
  assert_success
  assert_line --index 0 "(250, ['example.test'])"
  assert_line --index 1 --partial "(252, ['2.5.2"
  assert_line --index 2 --partial "(252, ['2.5.2"
  assert_line --index 3 --partial "(502,"
  assert_line --index 4 --partial "(214,"
  assert_line --index 6 "(250, ['2.0.0 Ok'])"
  assert_line --index 7 --partial "(503, ['5.5.1 Need MAIL"
  assert_line --index 8 "(250, ['2.0.0 Ok'])"
}

@test "smtpd: queue exit codes become clear replies" {
  cat >"$PH/fakequeue" <<'EOS'
#!/bin/sh
cat >/dev/null; cat <&1 >/dev/null
case $(cat "$POSTA_HOME/fakemode") in
  71) exit 71 ;;
  31) exit 31 ;;
  82) printf 'D5.7.1 spam detected' >&6; exit 82 ;;
  Z) printf 'Zgreylisted, come back later' >&6; exit 82 ;;
  53) exit 53 ;;
  kill) kill -9 $$ ;;
esac
EOS
  chmod 755 "$PH/fakequeue"
  control smtpqueue "$PH/fakequeue"
  for m in 71:451.4.3.0 31:554.5.3.0 82:"550.5.7.1 spam detected" Z:"451.4.3.0 greylisted" 53:451.4.3.1 kill:451.4.3.0; do
    echo "${m%%:*}" >"$PH/fakemode"
    want=${m#*:}
    run swaks --server 127.0.0.1 --port "$SMTP_PORT" --from s@remote.example --to alice@example.test
    assert_output --partial "<** ${want/./ }"
  done
  control smtpqueue "$PH/nonexistent-queue"
  run swaks --server 127.0.0.1 --port "$SMTP_PORT" --from s@remote.example --to alice@example.test
  assert_output --partial "<** 451 4.3.0"
  control smtpqueue "$PH/recqueue"
}
