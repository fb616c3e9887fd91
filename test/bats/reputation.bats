#!/usr/bin/env bats
# Reputation checks of posta-smtpd (posta-smtpd(8) "Reputation checks") and posta-policyd: DNS lists
# answered by a real dnsmasq on loopback, greylisting and rate limits through the real
# daemon, clients connecting from several loopback addresses (127.0.0.0/24 is one network).

load ../lib/instance
load ../lib/remote
load smtpd_helpers

setup_file() {
  export T=$(mktemp -d /tmp/posta-reputation.XXXXXX)
  chmod 755 "$T"
  export DNS_PORT=$(free_port)
  start_dns --local=/in-addr.arpa/ \
    --address=/2.0.0.127.bl.test/127.0.0.2 \
    --txt-record=2.0.0.127.bl.test,"Listed in bl.test: see http://bl.test/127.0.0.2" \
    --address=/3.0.0.127.bl.test/127.0.0.2 \
    --address=/3.0.0.127.wl.test/127.0.0.15 \
    --address=/spam.example.rhs.test/127.0.0.2 \
    --txt-record=spam.example.rhs.test,"spam.example is a spam domain" \
    --ptr-record=1.0.0.127.in-addr.arpa,good.test \
    --host-record=good.test,127.0.0.1
  smtpd_instance
  echo postmasterpw | posta user add postmaster@example.test --password-stdin >&2
  control greylistdelay 2
  control spfpolicy off  # the senders here have no SPF records: spf.bats tests SPF
  instance_start
}

teardown_file() {
  instance_stop
  kill_started
  rm -rf "$T"
}

# Every test starts with no reputation check configured and the suite's DNS.
setup() {
  load_helpers
  local f
  for f in dnsbl dnswl rhsbl greylist ratelimitip ratelimitauth ratelimitdomain helocheck fcrdns trustednets; do
    rm -f "$PH/control/$f"
  done
  control resolvers "127.0.0.1:$DNS_PORT"
}

# send SRC PORT FROM TO [repclient args...]
send() {
  local src=$1 port=$2 from=$3 to=$4; shift 4
  $PY "$FIX/repclient.py" --src "$src" --port "$port" "$@" "$from" "$to"
}

# accepted SRC PORT FROM TO [repclient args...]: send, and the message was queued
accepted() {
  run send "$@"
  assert_line --partial "data 250"
}


@test "reputation: a client listed in a DNSBL is refused at MAIL FROM with the zone's text" {
  control dnsbl "bl.test"
  run send 127.0.0.2 "$SMTP_PORT" someone@sender.example alice@example.test
  assert_success
  assert_line "connect 220 example.test ESMTP posta"
  assert_line "mail 554 5.7.1 Service unavailable; client [127.0.0.2] blocked: Listed in bl.test: see http://bl.test/127.0.0.2"
  refute_line --partial "data"
  accepted 127.0.0.1 "$SMTP_PORT" someone@sender.example alice@example.test
  wait_for 5 grep -q "127.0.0.2: listed by bl.test (127.0.0.2), sender <someone@sender.example> refused" "$PH/log/smtpd/current"
}

@test "reputation: answer codes select the listings; a score zone does not refuse" {
  control dnsbl "bl.test =127.0.0.4,127.0.0.10"
  accepted 127.0.0.2 "$SMTP_PORT" someone@sender.example alice@example.test
  clear_rec
  control dnsbl "bl.test score 2.5"
  accepted 127.0.0.2 "$SMTP_PORT" someone@sender.example alice@example.test
  run last_vars
  assert_line "POSTA_REPUTATION=bl.test=2.5"
  assert_line "POSTA_REPUTATION_SCORE=2.5"
}

@test "reputation: a sender domain's score goes with its own message, not the next one of the session" {
  control rhsbl "rhs.test score 3"
  clear_rec
  run raw_smtp "
c.cmd('EHLO client.example.org')
for sender in ['a@spam.example', 'b@good.example']:
    c.cmd('MAIL FROM:<%s>' % sender)
    c.cmd('RCPT TO:<alice@example.test>')
    c.cmd('DATA')
    print(c.cmd('Subject: x\r\n\r\nhi\r\n.'))
c.cmd('QUIT')"
  assert_success
  [ "$(queued_count)" = 2 ]
  run grep -l "POSTA_REPUTATION=rhs.test=3" "$REC"/msg.*/vars
  assert_equal "${#lines[@]}" 1
  run last_vars
  refute_output --partial POSTA_REPUTATION
}

@test "reputation: a DNSWL-listed client passes the blocklist and is not greylisted" {
  control dnsbl "bl.test"
  control dnswl "wl.test"
  control greylist "example.test"
  accepted 127.0.0.3 "$SMTP_PORT" wl@sender.example alice@example.test
  wait_for 5 grep -q "127.0.0.3: allowlisted by wl.test" "$PH/log/smtpd/current"
}

@test "reputation: an RHSBL-listed sender domain is refused with the zone's text" {
  control rhsbl "rhs.test"
  run send 127.0.0.1 "$SMTP_PORT" x@spam.example alice@example.test
  assert_line "mail 554 5.7.1 Sender address rejected: spam.example is a spam domain"
  accepted 127.0.0.1 "$SMTP_PORT" x@good.example alice@example.test
}

@test "reputation: greylisting defers the first attempt; a retry after the delay passes, from another host of the /24 too" {
  control greylist "example.test"
  run send 127.0.0.2 "$SMTP_PORT" grey@sender.example alice@example.test
  assert_line "rcpt 451 4.7.1 Greylisted, try again in 2 seconds"
  run send 127.0.0.2 "$SMTP_PORT" grey@sender.example alice@example.test
  assert_line --regexp "^rcpt 451 4.7.1 Greylisted, try again in [0-2] seconds"
  # domains not listed are not greylisted
  posta domain add other.test >&2
  echo pw | posta user add carol@other.test --password-stdin >&2
  accepted 127.0.0.2 "$SMTP_PORT" grey@sender.example carol@other.test
  # the delay is 2 s (control/greylistdelay): wait it out
  sleep 2.2
  accepted 127.0.0.3 "$SMTP_PORT" grey@sender.example alice@example.test
  accepted 127.0.0.2 "$SMTP_PORT" grey@sender.example alice@example.test
  # a new triplet is greylisted again; an authenticated session never is
  run send 127.0.0.2 "$SMTP_PORT" other@sender.example alice@example.test
  assert_line --partial "rcpt 451 4.7.1 Greylisted"
  accepted 127.0.0.2 "$SUBMISSION_PORT" bob@example.test alice@example.test --auth bob@example.test:bobpw
}

@test "reputation: trusted networks skip blocklists and greylisting" {
  control dnsbl "bl.test"
  control greylist "*"
  control trustednets "127.0.0.2"
  accepted 127.0.0.2 "$SMTP_PORT" trusted@sender.example alice@example.test
}

@test "reputation: posta-policyd down while greylisting is on defers (451), rate limits are not applied" {
  control greylist "example.test"
  control ratelimitauth "msg=1"
  s6-svc -d "$PH/service/policyd"
  wait_for 10 eval '! s6-svstat -o up "$PH/service/policyd" | grep -qx true'
  run send 127.0.0.4 "$SMTP_PORT" down@sender.example alice@example.test
  assert_line "rcpt 451 4.7.1 Greylisting temporarily unavailable, try again later"
  for i in 1 2; do
    accepted 127.0.0.1 "$SUBMISSION_PORT" bob@example.test alice@example.test --auth bob@example.test:bobpw
  done
  s6-svc -u "$PH/service/policyd"
  wait_for 10 _instance_ready "$PH/service/policyd"
  grep -q "rate limits not applied" "$PH/log/submission/current"
}

@test "reputation: a login over its rate limit is held with 451; postmaster is told once" {
  control ratelimitauth "msg=2"
  for i in 1 2; do
    accepted 127.0.0.1 "$SUBMISSION_PORT" alice@example.test bob@example.test --auth alice@example.test:alicepw
  done
  for i in 1 2; do
    run send 127.0.0.1 "$SUBMISSION_PORT" alice@example.test bob@example.test --auth alice@example.test:alicepw
    assert_line "mail 451 4.7.1 Message rate limit exceeded, try again later"
  done
  wait_for 20 eval '[ "$(maildir_count postmaster@example.test)" = 1 ]'
  grep -q "login alice@example.test over its rate limit of 2 messages per hour" "$PH/log/submission/current"
  grep -rlq "rate limit reached by login alice@example.test" "$PH/mail/example.test/postmaster/new"
  # another login is counted on its own
  accepted 127.0.0.1 "$SUBMISSION_PORT" bob@example.test alice@example.test --auth bob@example.test:bobpw
  sleep 1
  [ "$(maildir_count postmaster@example.test)" = 1 ]
}

@test "reputation: connections per minute from one address are limited" {
  control ratelimitip "conn=2"
  for i in 1 2; do
    accepted 127.0.0.9 "$SMTP_PORT" c@sender.example alice@example.test
  done
  run send 127.0.0.9 "$SMTP_PORT" c@sender.example alice@example.test
  assert_line --partial "connect 421 4.7.0"
}

@test "reputation: DNS down skips the blocklists (logged) and the mail is accepted" {
  control dnsbl "bl.test"
  control resolvers "127.0.0.1:1"
  accepted 127.0.0.2 "$SMTP_PORT" dnsdown@sender.example alice@example.test
  wait_for 5 grep -q "127.0.0.2: DNS list skipped: bl.test" "$PH/log/smtpd/current"
}

@test "reputation: HELO check refuses a name that is not a FQDN, ours, or a foreign address literal" {
  control helocheck reject
  for helo in localhost example.test '[127.0.0.9]'; do
    run send 127.0.0.1 "$SMTP_PORT" h@sender.example alice@example.test --helo "$helo"
    assert_line --partial "mail 550 5.7.1 HELO"
  done
  accepted 127.0.0.1 "$SMTP_PORT" h@sender.example alice@example.test --helo '[127.0.0.1]'
}

@test "reputation: FCrDNS reject refuses a client without a confirmed name; submission is never checked" {
  control fcrdns reject
  run send 127.0.0.4 "$SMTP_PORT" f@sender.example alice@example.test
  assert_line "mail 550 5.7.1 Your address has no forward-confirmed reverse DNS name"
  accepted 127.0.0.1 "$SMTP_PORT" f@sender.example alice@example.test
  accepted 127.0.0.4 "$SUBMISSION_PORT" bob@example.test alice@example.test --auth bob@example.test:bobpw
}
