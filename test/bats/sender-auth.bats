#!/usr/bin/env bats
# Sender authentication end to end: posta-smtpd checks SPF at MAIL FROM and posta-spamcheck
# (the queue program) verifies DKIM, evaluates DMARC, adds Authentication-Results and
# Received-SPF, refuses what p=reject and the own-domain rule refuse, and files quarantine
# into Junk. A real dnsmasq on loopback serves the records; messages are signed with
# python3-dkim as an outside sender signs them; real clients (swaks) send them. The instance
# trusts no network, so the loopback client is checked like any other.
load ../lib/instance
load ../lib/dns

D=example.test
FIX="$BATS_TEST_DIRNAME/../fixtures/posta-authcheck"
KEYS="$BATS_TEST_DIRNAME/../fixtures/posta-remote/dkim"

dns_txt() { echo "--txt-record=$1,$(head -n1 "$2" | fold -w 200 | paste -sd,)"; }

setup_file() {
  export T=$(mktemp -d /tmp/posta-senderauth.XXXXXX)
  chmod 755 "$T"
  export DNS_PORT=$(free_port)
  start_dns "$(dns_txt sel._domainkey.example.com "$KEYS/rsa.txt")" \
    "$(dns_txt sel._domainkey.quar.example.org "$KEYS/rsa.txt")" \
    "--txt-record=_dmarc.example.com,v=DMARC1; p=reject" \
    "--txt-record=_dmarc.quar.example.org,v=DMARC1; p=quarantine" \
    "--txt-record=_dmarc.mon.example.org,v=DMARC1; p=none" \
    "--txt-record=spf.example.com,v=spf1 ip4:127.0.0.1 -all" \
    "--txt-record=example.test,v=spf1 -all" \
    --local=/example.com/ --local=/example.org/
  instance_create $D
  posta user add bob@$D --no-password >&2
  echo "127.0.0.1:$DNS_PORT" >"$PH/control/resolvers"
  echo 2 >"$PH/control/timeoutdns"
  echo mx.example.test >"$PH/control/authservid"
  rm -f "$PH/control/trustednets"
  echo 0 >"$PH/control/spamreject"
  instance_start
}

teardown_file() {
  instance_stop
  [ -f "$T/pids" ] && while read -r p; do kill "$p" 2>/dev/null; done <"$T/pids"
  rm -rf "$T"
}

setup() {
  load_helpers
  rm -f "$PH/control/dmarcquarantine" "$PH/control/ownfromcheck"
}

md() { echo "$PH/mail/$D/$1"; }
delivered() { grep -l -r "^Subject: $2\$" "$1" 2>/dev/null | head -n 1; }
has_delivered() { [ -n "$(delivered "$1" "$2")" ]; }
queue_empty() { [ -z "$(find "$PH/queue/mess" -type f)" ]; }

# message FROM SUBJECT [extra header line]: a message on stdout (LF line ends)
message() {
  printf 'From: Sender <%s>\nTo: bob@%s\nSubject: %s\nDate: Mon, 07 Dec 2026 10:00:00 +0000\nMessage-ID: <%s@test>\n%s\nHello Bob.\n' \
    "$1" "$D" "$2" "$2" "${3:+$3
}"
}
signed() { $PY "$FIX/peers.py" sign "$KEYS/rsa.key" "$1" sel relaxed/relaxed; }
# send MAIL_FROM FILE: the message of FILE through swaks; its output
send() { swaks --server 127.0.0.1 --port "$SMTP_PORT" --helo client.test --from "$1" --to bob@$D --data "@$2" 2>&1; }

@test "sender-auth: an aligned DKIM signature passes DMARC; Authentication-Results and Received-SPF are added" {
  message news@example.com dkim-pass | signed example.com >"$T/m1"
  run send bounce@other.example.org "$T/m1"
  assert_output --partial "<-  250 2.0.0 Ok: queued"
  wait_for 20 has_delivered "$(md bob)/new" dkim-pass
  f=$(delivered "$(md bob)/new" dkim-pass)
  run head -n 12 "$f"
  assert_line "Authentication-Results: mx.example.test;"
  assert_output --partial "dkim=pass header.d=example.com"
  assert_output --partial "dmarc=pass"
  assert_output --regexp "spf=(none|permerror|temperror|neutral)"
  assert_output --partial "Received-SPF: "
}

@test "sender-auth: p=reject without authentication is refused at the end of DATA (550 5.7.1), nothing queued" {
  message news@example.com forged-reject >"$T/m2"
  run send bounce@other.example.org "$T/m2"
  assert_output --partial "<** 550 5.7.1 Rejected by the DMARC policy of example.com"
  queue_empty
  # a body changed after signing fails DKIM and is refused the same way
  message news@example.com changed | signed example.com | sed 's/Hello Bob\./Hello Eve./' >"$T/m3"
  run send bounce@other.example.org "$T/m3"
  assert_output --partial "<** 550 5.7.1 Rejected by the DMARC policy of example.com"
  queue_empty
  [ -z "$(delivered "$(md bob)" changed)" ]
}

@test "sender-auth: SPF alone aligns (MAIL FROM in the From domain's organisation, client allowed)" {
  message news@example.com spf-aligned >"$T/m4"
  run send bounce@spf.example.com "$T/m4"
  assert_output --partial "<-  250 2.0.0 Ok: queued"
  wait_for 20 has_delivered "$(md bob)/new" spf-aligned
  run grep -E "^\s+(spf|dmarc)=" "$(delivered "$(md bob)/new" spf-aligned)"
  assert_output --partial "spf=pass smtp.mailfrom=bounce@spf.example.com"
  assert_output --partial "dmarc=pass"
}

@test "sender-auth: p=quarantine files into Junk with X-Spam-Flag; control/dmarcquarantine turns a reject into Junk" {
  message news@quar.example.org quarantined >"$T/m5"
  run send bounce@other.example.org "$T/m5"
  assert_output --partial "<-  250 2.0.0 Ok: queued"
  wait_for 20 has_delivered "$(md bob)/.Junk/new" quarantined
  grep -q "^X-Spam-Flag: YES" "$(delivered "$(md bob)/.Junk/new" quarantined)"
  grep -q "DMARC_QUARANTINE" "$(delivered "$(md bob)/.Junk/new" quarantined)"
  echo example.com >"$PH/control/dmarcquarantine"
  message news@example.com downgraded >"$T/m6"
  run send bounce@other.example.org "$T/m6"
  assert_output --partial "<-  250 2.0.0 Ok: queued"
  wait_for 20 has_delivered "$(md bob)/.Junk/new" downgraded
}

@test "sender-auth: a From of our own domain from the network without authentication is refused (CEO fraud)" {
  message ceo@$D ceo-fraud >"$T/m7"
  run send ceo@other.example.org "$T/m7"
  assert_output --partial "<** 550 5.7.1 From: claims our domain example.test but the message is not authenticated"
  queue_empty
  echo off >"$PH/control/ownfromcheck"
  run send ceo@other.example.org "$T/m7"
  assert_output --partial "<-  250 2.0.0 Ok: queued"
  wait_for 20 has_delivered "$(md bob)/new" ceo-fraud
}

@test "sender-auth: an incoming Authentication-Results naming us is removed, another one stays" {
  message news@mon.example.org forged-ar "Authentication-Results: MX.example.test; dkim=pass header.d=mon.example.org
Authentication-Results: elsewhere.example; spf=pass" >"$T/m8"
  run send bounce@other.example.org "$T/m8"
  assert_output --partial "<-  250 2.0.0 Ok: queued"
  wait_for 20 has_delivered "$(md bob)/new" forged-ar
  f=$(delivered "$(md bob)/new" forged-ar)
  [ "$(grep -ci "^Authentication-Results: mx.example.test" "$f")" = 1 ]   # ours, added
  ! grep -q "header.d=mon.example.org" "$f"
  grep -q "^Authentication-Results: elsewhere.example; spf=pass" "$f"
  grep -q "dmarc=fail" "$f"   # p=none: delivered, but recorded as the failure it is
}
