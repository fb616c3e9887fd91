#!/usr/bin/env bats
# posta-smtpd against bad input: SMTP smuggling, overlong lines, NUL, size and recipient
# limits, timeouts, garbage, STARTTLS injection, early talkers. Clear reply, no crash,
# nothing lost or doubled.

load ../lib/instance
load smtpd_helpers

setup_file() { smtpd_instance; instance_start; }

teardown_file() { instance_stop; }

setup() { load_helpers; clear_rec; }

# session PYTHON: raw_smtp after EHLO, with tx() to send MAIL, RCPT to alice and DATA
session() {
  raw_smtp "
c.cmd('EHLO client.example')
def tx():
    assert c.cmd('MAIL FROM:<a@remote.example>')[0] == 250
    assert c.cmd('RCPT TO:<alice@example.test>')[0] == 250
    assert c.cmd('DATA')[0] == 354
$1"
}

@test "bad: every smuggling variant is content, never an end; one refusal, no second message" {
  for v in '\n.\n' '\n.\r\n' '\r\n.\n' '\r.\r' '\r.\r\n' '\n..\n'; do
    clear_rec
    run session "
tx()
c.send(b'Subject: smuggle\r\n\r\nhello' + b'$v' + b'MAIL FROM:<evil@remote.example>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\nSubject: smuggled\r\n\r\nx\r\n.\r\n')
c.send(b'NOOP\r\n')
print(c.reply()); print(c.reply())"
    assert_success
    assert_line --index 0 --partial "(554, ['5.6.0 Message contains a bare"
    assert_line --index 1 "(250, ['2.0.0 Ok'])"
    [ "$(queued_count)" = 0 ]
  done
}

@test "bad: with smtpbarelf=normalize a bare-LF message is one message, smuggled text inside" {
  control smtpbarelf normalize
  run session "
tx()
c.send(b'Subject: n\r\n\r\nhello\n.\nMAIL FROM:<evil@remote.example>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\nx\r\n.\r\nNOOP\r\n')
print(c.reply()); print(c.reply())"
  control smtpbarelf reject
  assert_success
  assert_line --index 0 --partial "(250, ['2.0.0 Ok: queued"
  assert_line --index 1 "(250, ['2.0.0 Ok'])"
  [ "$(queued_count)" = 1 ]
  run last_envelope
  refute_output --partial "bob@example.test"
  run last_message
  assert_output --partial $'hello\n\nMAIL FROM:<evil@remote.example>\n'
}

@test "bad: bare CR and NUL in the message are refused" {
  run session "
tx(); print(c.cmd('a\rb\r\n.'))
tx(); c.send(b'a\0b\r\n.\r\n'); print(c.reply())"
  assert_success
  assert_line --index 0 --partial "(554, ['5.6.0 Message contains a bare CR"
  assert_line --index 1 --partial "(554, ['5.6.0 Message contains a NUL"
  [ "$(queued_count)" = 0 ]
}

@test "bad: overlong command lines and NUL in a command get 500 5.5.2, session goes on" {
  run session "
print(c.cmd('NOOP ' + 'x' * 600))
print(c.cmd('MAIL FROM:<' + 'a' * 100000 + '@remote.example>'))
c.send(b'NO\0OP\r\n'); print(c.reply())
c.send(b'NOOP\r\rx\r\n'); print(c.reply())
print(c.cmd('NOOP'))"
  assert_success
  assert_line --index 0 "(500, ['5.5.2 Line too long'])"
  assert_line --index 1 "(500, ['5.5.2 Line too long'])"
  assert_line --index 2 "(500, ['5.5.2 NUL character in command'])"
  assert_line --index 3 --partial "(500, ['5.5.2"
  assert_line --index 4 "(250, ['2.0.0 Ok'])"
}

@test "bad: a text line over 998 octets refuses the message; 998 is fine" {
  run session "
tx(); print(c.cmd('x' * 999 + '\r\n.'))
tx(); print(c.cmd('y' * 998 + '\r\n.'))"
  assert_success
  assert_line --index 0 "(554, ['5.6.0 Message contains a line longer than 998 characters'])"
  assert_line --index 1 --partial "(250, ['2.0.0 Ok: queued"
  [ "$(queued_count)" = 1 ]
}

@test "bad: a line over 64 KiB inside DATA ends the session, nothing queued" {
  run session "
tx(); c.send(b'z' * 70000 + b'\n.\r\nMAIL FROM:<evil@remote.example>\r\n')
print(c.reply()); print(c.closed())"
  assert_success
  assert_line --index 0 "(554, ['5.6.0 Line too long in message; closing connection'])"
  assert_line --index 1 True
  [ "$(queued_count)" = 0 ]
}

@test "bad: SIZE over databytes at MAIL, and 10 MB of data over the limit: 552" {
  control databytes 1048576
  run session "
print(c.cmd('MAIL FROM:<a@remote.example> SIZE=11000000'))
tx()
line = b'0123456789' * 99 + b'\r\n'
t = time.time()
for i in range(10 * 1024):
    c.send(line)
c.send(b'.\r\n')
print(c.reply())
print(c.cmd('NOOP'))"
  control databytes 52428800
  assert_success
  assert_line --index 0 "(552, ['5.3.4 Message size exceeds fixed maximum message size'])"
  assert_line --index 1 "(552, ['5.3.4 Message size exceeds fixed maximum message size'])"
  assert_line --index 2 "(250, ['2.0.0 Ok'])"
  [ "$(queued_count)" = 0 ]
}

@test "bad: 101 recipients: the 101st gets 452 4.5.3, the message goes once to 100" {
  run session "
c.cmd('MAIL FROM:<a@remote.example>')
c.send(b''.join(b'RCPT TO:<alice+%d@example.test>\r\n' % i for i in range(101)))
codes = [c.reply()[0] for i in range(101)]
print(codes.count(250), codes[100], c.reply.__name__)
print(c.cmd('RCPT TO:<bob@example.test>'))
print(c.cmd('DATA')); print(c.cmd('Subject: many\r\n\r\nx\r\n.'))"
  assert_success
  assert_line --index 0 "100 452 reply"
  assert_line --index 1 "(452, ['4.5.3 Too many recipients'])"
  assert_line --index 3 --partial "Ok: queued"
  [ "$(queued_count)" = 1 ]
  [ "$(last_envelope | grep -c '^T')" = 100 ]
}

@test "bad: a silent client is dropped after timeoutsmtpd with 421 4.4.2" {
  run raw_smtp "
t = time.time()
print(c.reply(), c.closed(), round(time.time() - t))"
  assert_success
  assert_line --regexp "^\(421, \['4\.4\.2 example\.test Timeout, closing connection'\]\) True [234]$"
}

@test "bad: a client stalling inside DATA is dropped, nothing queued" {
  run session "
tx(); c.send(b'Subject: stall\r\n\r\npartial')
print(c.reply(), c.closed())"
  assert_success
  assert_line --partial "(421, ['4.4.2"
  [ "$(queued_count)" = 0 ]
}

@test "bad: dropping the connection inside DATA queues nothing" {
  run session "
tx(); c.send(b'Subject: drop\r\n\r\nhalf a message\r\n'); c.close()"
  assert_success
  wait_for 10 grep -q "connection lost during DATA, nothing queued" "$PH/log/smtpd/current"
  [ "$(queued_count)" = 0 ]
}

@test "bad: garbage after DATA and out-of-order commands get clear replies" {
  run smtp_replies "c.cmd('EHLO client.example')" 'DATA garbage' DATA 'RCPT TO:<alice@example.test>' \
    'MAIL FROM:<a@remote.example> FOO=BAR' 'MAIL FROM:a@remote.example' 'MAIL FROM:<a@remote.example>' \
    'MAIL FROM:<a@remote.example>' DATA 'RSET extra' XYZZY
  assert_success
  assert_line --index 0 "(501, ['5.5.4 Syntax: DATA'])"
  assert_line --index 1 "(503, ['5.5.1 Need MAIL command'])"
  assert_line --index 2 "(503, ['5.5.1 Need MAIL command first'])"
  assert_line --index 3 "(555, ['5.5.4 Unsupported parameter FOO'])"
  assert_line --index 4 --partial "(501, ['5.1.7 Bad sender address syntax"
  assert_line --index 5 "(250, ['2.1.0 Ok'])"
  assert_line --index 6 "(503, ['5.5.1 Nested MAIL command'])"
  assert_line --index 7 "(554, ['5.5.1 No valid recipients'])"
  assert_line --index 8 --partial "(501,"
  assert_line --index 9 "(500, ['5.5.1 Command unrecognized'])"
}

@test "bad: binary garbage: 500s, then 421 after smtpmaxerrors" {
  run raw_smtp "
c.send(b'\x80\x81garbage\x00\xff\r\n' * 25)
codes = []
while True:
    try: codes.append(c.reply()[0])
    except EOFError: break
print(codes.count(500), codes[-1])"
  assert_success
  assert_output "20 421"
}

@test "bad: BDAT without a valid size closes the session" {
  run session "
print(c.cmd('BDAT nonsense')); print(c.closed())"
  assert_success
  assert_line --index 0 --partial "(501, ['5.5.4 Syntax: BDAT size [LAST]"
  assert_line --index 1 True
}

@test "bad: STARTTLS injection: commands pipelined after STARTTLS are discarded" {
  run raw_smtp "
c.cmd('EHLO x')
c.send(b'STARTTLS\r\nRSET\r\nMAIL FROM:<evil@remote.example>\r\n')
print(c.reply())
c.starttls()
print(c.cmd('EHLO y')[1][0])
print(c.cmd('RCPT TO:<alice@example.test>'))"
  assert_success
  assert_line --index 0 "(220, ['2.0.0 Ready to start TLS'])"
  assert_line --index 1 "example.test Hello y [127.0.0.1]"
  assert_line --index 2 "(503, ['5.5.1 Need MAIL command first'])"
}

@test "bad: an early talker is refused before the greeting" {
  control smtpgreetdelay 1500
  run py "
from rawsmtp import Raw
import os
c = Raw(int(os.environ['SMTP_PORT']), greet=False)
c.send(b'EHLO hasty\r\nMAIL FROM:<a@remote.example>\r\n')
print(c.reply(), c.closed())
d = Raw(int(os.environ['SMTP_PORT']))
print(d.greeting)"
  control smtpgreetdelay 0
  assert_success
  assert_line --index 0 --partial "(554, ['5.5.0 example.test SMTP protocol violation: talked before the greeting']) True"
  assert_line --index 1 "(220, ['example.test ESMTP posta'])"
}
