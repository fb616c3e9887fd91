#!/usr/bin/env bats
# Where a message came from decides whether it leaves DKIM-signed (posta-queue(8) ORIGIN,
# posta-remote(8) DKIM), and an authenticated session may only use senders its login owns,
# on every port (posta-smtpd(8)). Two instances: A (a.test on 127.0.0.1, DKIM key s1) and
# B (b.test on 127.0.0.2), DNS from our own dnsmasq; every message goes A -> B through the
# real queue, and B's copy is checked with python3-dkim against that DNS.
load ../lib/instance
load ../lib/remote

FIX="$BATS_TEST_DIRNAME/../fixtures/posta-remote"

setup_file() {
  two_instances origin
  # the local user who runs these tests, as posta-sendmail names it: <name>@a.test
  export ME=$(id -un)

  use A
  posta domain add a.test >/dev/null 2>&1 || true
  echo alicepw | posta user add alice@a.test --password-stdin >/dev/null
  echo ceopw | posta user add ceo@a.test --password-stdin >/dev/null
  posta user add "$ME@a.test" --no-password >/dev/null
  posta alias add fwd@a.test bob@b.test >/dev/null
  posta alias add gone@a.test nobody@b.test >/dev/null
  posta domain dkim-keygen a.test --selector s1 --type ed25519 >"$T/a.txt"
  use B
  posta domain add b.test >/dev/null 2>&1 || true
  posta user add bob@b.test --no-password >/dev/null

  start_dns \
    --mx-host=a.test,mx.a.test,10 --host-record=mx.a.test,127.0.0.1 \
    --mx-host=b.test,mx.b.test,10 --host-record=mx.b.test,127.0.0.2 \
    --txt-record=s1._domainkey.a.test,"$(txt_of <"$T/a.txt")"
  link_instances
  for x in A B; do
    use $x
    instance_start
    wait_for 20 test -S "$PH/queue/lock/control"
  done
}

teardown_file() {
  kill_started
  use A; instance_stop
  use B; instance_stop
  [ -n "${KEEP_INSTANCE:-}" ] || rm -rf "$T"
}

setup() {
  load_helpers
  use A
}

# control FILE VALUE: an A control file, as A's owner
control() {
  printf '%s\n' "$2" >"$A_PH/control/$1"
  [ "$(id -u)" = 0 ] && chown "$(stat -c %U "$A_PH")" "$A_PH/control/$1"
  return 0
}

# arrived SUBJECT: the file of the message with that subject in bob's Maildir at B
arrived() { grep -rlx -- "Subject: $1" "$B_PH/mail/b.test/bob/new" 2>/dev/null | head -1; }
has_arrived() { [ -n "$(arrived "$1")" ]; }
verifies() { $PY "$FIX/dkimverify.py" 127.0.0.1 "$DNS_PORT" <"$1"; }
# the dkim= field of A's posta-remote log line for the delivery of the message with id
dkim_logged() { grep -q -- "dkim=$1 " "$A_PH/log/send/current"; }

# body FROM SUBJECT: a message with that From: header
body() { printf 'From: %s\nTo: bob@b.test\nSubject: %s\nMessage-ID: <%s@t>\n\nhello\n' "$1" "$2" "$RANDOM$RANDOM"; }

# submit PORT USER PASS MAILFROM HEADERFROM SUBJECT [swaks args]: AUTH PLAIN over STARTTLS
submit() {
  local port=$1 user=$2 pass=$3 from=$4 hfrom=$5 subject=$6; shift 6
  swaks --server 127.0.0.1 --port "$port" -tls --auth PLAIN --auth-user "$user" --auth-password "$pass" \
    --from "$from" --to bob@b.test --data "$(body "$hfrom" "$subject")" "$@"
}

@test "outside mail with From: a hosted domain, forwarded off-site by an alias, leaves unsigned" {
  run swaks --server 127.0.0.1 --port "$A_PORT" --from ceo@a.test --to fwd@a.test \
    --data "$(body ceo@a.test 'forged via alias')"
  assert_success
  wait_for 30 has_arrived "forged via alias"
  f=$(arrived "forged via alias")
  run grep -c '^DKIM-Signature:' "$f"
  assert_output 0
  run verifies "$f"
  assert_failure
  wait_for 10 dkim_logged none:forwarded
}

@test "the same forgery through the domain's catch-all leaves unsigned too" {
  posta domain set a.test --catchall bob@b.test >/dev/null
  run swaks --server 127.0.0.1 --port "$A_PORT" --from ceo@a.test --to anything@a.test \
    --data "$(body ceo@a.test 'forged via catchall')"
  assert_success
  # the catch-all stays until posta-local has forwarded the message
  wait_for 30 has_arrived "forged via catchall"
  posta domain set a.test --no-catchall >/dev/null
  run grep -c '^DKIM-Signature:' "$(arrived "forged via catchall")"
  assert_output 0
}

@test "the same From: submitted with AUTH by its owner leaves signed and verifies" {
  run submit "$A_SUB" ceo@a.test ceopw ceo@a.test ceo@a.test "signed by owner"
  assert_success
  wait_for 30 has_arrived "signed by owner"
  f=$(arrived "signed by owner")
  grep -q '^DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed; d=a.test; s=s1;' "$f"
  run verifies "$f"
  echo "$output"
  assert_success
  wait_for 10 dkim_logged "d=a.test s=s1"
}

@test "AUTH as a non-owner is refused at MAIL FROM on the submission port" {
  run submit "$A_SUB" alice@a.test alicepw ceo@a.test ceo@a.test "non-owner 587"
  assert_failure
  assert_output --partial "553 5.7.1 Sender address <ceo@a.test> not owned by user alice@a.test"
}

@test "port 25: AUTH is not offered by default, even after STARTTLS" {
  run swaks --server 127.0.0.1 --port "$A_PORT" -tls --quit-after EHLO
  assert_success
  assert_output --partial "TLS started"
  refute_output --partial "250-AUTH"
  refute_output --partial "250 AUTH"
  # a client that tries anyway (swaks would not: nothing advertised)
  run $PY -c "
import smtplib, ssl, base64, sys
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
s = smtplib.SMTP('127.0.0.1', int(sys.argv[1]))
s.starttls(context=ctx)
s.ehlo('x')
print('auth' in s.esmtp_features)
print(s.docmd('AUTH', 'PLAIN ' + base64.b64encode(b'\\0alice@a.test\\0alicepw').decode()))
print(s.docmd('MAIL', 'FROM:<alice@a.test>'))
print(s.docmd('RCPT', 'TO:<bob@b.test>'))" "$A_PORT"
  assert_success
  assert_line --index 0 False
  assert_line --index 1 --partial "(503, b'5.5.1 Authentication not enabled on this service')"
  # and without a login, the MX port relays nothing
  assert_line --index 3 --partial "(554, b'5.7.1"
}

@test "port 25 with control/smtpauth: AUTH offered, a non-owner refused at MAIL FROM, the owner signed" {
  control smtpauth yes
  run swaks --server 127.0.0.1 --port "$A_PORT" -tls --quit-after EHLO
  local ehlo=$output
  run submit "$A_PORT" alice@a.test alicepw ceo@a.test ceo@a.test "non-owner 25"
  local refused=$output
  run submit "$A_PORT" alice@a.test alicepw alice@a.test alice@a.test "owner 25"
  local owner=$status
  control smtpauth no
  [[ $ehlo == *"250-AUTH PLAIN LOGIN"* ]]
  [[ $refused == *"553 5.7.1 Sender address <ceo@a.test> not owned by user alice@a.test"* ]]
  [ "$owner" -eq 0 ]
  wait_for 30 has_arrived "owner 25"
  run verifies "$(arrived "owner 25")"
  assert_success
  [ -z "$(arrived "non-owner 25")" ]
}

@test "with the MAIL FROM check off, a login's forged From: header still leaves unsigned" {
  control submissionsendercheck no
  run submit "$A_SUB" alice@a.test alicepw alice@a.test ceo@a.test "header forged by alice"
  control submissionsendercheck yes
  assert_success
  wait_for 30 has_arrived "header forged by alice"
  run grep -c '^DKIM-Signature:' "$(arrived "header forged by alice")"
  assert_output 0
  wait_for 10 dkim_logged none:not-the-author
}

@test "local posta-sendmail: signed for the user's own address, not for another's" {
  body "$ME@a.test" "local own" | "$POSTA_BIN/posta-sendmail" -f "$ME@a.test" bob@b.test
  body alice@a.test "local other" | "$POSTA_BIN/posta-sendmail" -f alice@a.test bob@b.test
  wait_for 30 has_arrived "local own"
  wait_for 30 has_arrived "local other"
  run verifies "$(arrived "local own")"
  assert_success
  run grep -c '^DKIM-Signature:' "$(arrived "local other")"
  assert_output 0
}

@test "a caller that is not the daemon user cannot claim a login or the network" {
  # rootless: the daemon user is A's owner; root is another local user here
  [ "$(id -u)" = 0 ] || skip "needs a caller other than the instance owner (run as root)"
  [ "$(stat -c %u "$A_PH")" != 0 ] || skip "the instance belongs to root"
  body ceo@a.test "forged env" | POSTA_AUTH_USER=ceo@a.test TCPREMOTEIP=192.0.2.1 POSTA_ORIGIN=bounce \
    "$POSTA_BIN/posta-sendmail" -f ceo@a.test bob@b.test
  wait_for 30 has_arrived "forged env"
  f=$(arrived "forged env")
  run grep -c '^DKIM-Signature:' "$f"
  assert_output 0
  # A's line is the lower one (B's own posta-queue adds one above it, from the network)
  run bash -c "grep '^Received: (posta-queue' '$f' | tail -1"
  assert_output --partial "invoked by uid 0)"
  refute_output --partial "network"
}

@test "our own bounce of a forwarded message is signed by our domain; the forward was not" {
  # gone@a.test forwards to nobody@b.test, which B refuses: A's DSN goes to the outside sender
  run swaks --server 127.0.0.1 --port "$A_PORT" --from bob@b.test --to gone@a.test \
    --data "$(body ceo@a.test 'to be bounced')"
  assert_success
  wait_for 30 grep -rlq "^Subject: Undelivered Mail Returned to Sender" "$B_PH/mail/b.test/bob/new"
  f=$(grep -rl "^Subject: Undelivered Mail Returned to Sender" "$B_PH/mail/b.test/bob/new" | head -1)
  grep -q '^DKIM-Signature: .* d=a.test; s=s1;' "$f"
  run verifies "$f"
  echo "$output"
  assert_success
}
