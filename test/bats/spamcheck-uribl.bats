#!/usr/bin/env bats
# URI blocklists of posta-spamcheck (posta-spamcheck(8) "URI BLOCKLISTS"): the link hosts of a
# message asked in the zones of control/uribl, answered by a real dnsmasq on loopback
# (control/resolvers; never the system resolver). A listed link scores the zone's rule and
# files the message into Junk; unlisted links and failing zones add nothing; a message with
# thousands of links asks at most control/uriblmax targets.
load ../lib/instance
load ../lib/remote

D=example.test

setup_file() {
  export T=$(mktemp -d /tmp/posta-uribl.XXXXXX)
  chmod 755 "$T"
  export DNS_PORT=$(free_port)
  # spam.example listed in both zones; 192.0.2.7 (a literal address) in uribl.test; bits.test
  # encodes its lists in the last octet: 127.0.0.8 for spam.example
  start_dns --log-queries \
    --host-record=spam.example.uribl.test,127.0.0.2 \
    --host-record=7.2.0.192.uribl.test,127.0.0.2 \
    --host-record=spam.example.bits.test,127.0.0.8 \
    --host-record=grey.example.bits.test,127.0.0.1
  instance_create $D
  posta user add bob@$D --no-password >&2
  echo "127.0.0.1:$DNS_PORT" >"$PH/control/resolvers"
  echo 0 >"$PH/control/spamreject"
  rm -f "$PH/control/trustednets"
  instance_start
}

teardown_file() { instance_stop; kill_started; rm -rf "$T"; }

setup() { load_helpers; rm -f "$PH/control/uribl" "$PH/control/uriblmax"; }

md() { echo "$PH/mail/$D/$1"; }
# delivered DIR SUBJECT: the file of the message SUBJECT under DIR
delivered() { grep -l -r "^Subject: $2\$" "$1" 2>/dev/null | head -n 1; }
has_delivered() { [ -n "$(delivered "$1" "$2")" ]; }
# message SUBJECT BODY: a message file, its path on stdout
message() {
  printf 'From: Sender <news@sender.test>\nTo: bob@%s\nSubject: %s\nDate: Mon, 07 Dec 2026 10:00:00 +0000\nMessage-ID: <%s@sender.test>\n\n%s\n' \
    "$D" "$1" "$1" "$2" >"$T/$1"
  echo "$T/$1"
}
send() { swaks --server 127.0.0.1 --port "$SMTP_PORT" --helo client.test --from news@sender.test --to bob@$D --data "@$1" 2>&1; }
# queries NAME: the A queries dnsmasq logged for NAME and the names under it
queries() { grep -cE "query\[A\] ([^ ]*\.)?$1 from" "$T/dnsmasq.log" || true; }

@test "uribl: off by default: no lookups, no rule" {
  f=$(message off-1 "Visit http://www.spam.example/offer now")
  run "$POSTA_BIN/posta-spamcheck" check "$f"
  assert_success
  refute_output --partial URIBL
  [ "$(queries uribl.test)" = 0 ]
}

@test "uribl: a link to a listed domain scores the zone's rule and lands in Junk" {
  echo "uribl.test score 6" >"$PH/control/uribl"
  f=$(message listed-1 "Cheap pills at http://shop.spam.example/buy?id=1 today")
  run send "$f"
  assert_output --partial "<-  250 2.0.0 Ok: queued"
  wait_for 20 has_delivered "$(md bob)/.Junk/new" listed-1
  m=$(delivered "$(md bob)/.Junk/new" listed-1)
  grep -q '^X-Spam-Flag: YES' "$m"
  grep -q 'URIBL_URIBL_TEST' "$m"
  run "$POSTA_BIN/posta-spamcheck" check "$f"
  assert_line --regexp '^ +6\.0  URIBL_URIBL_TEST  link to spam\.example \(127\.0\.0\.2\) listed by uribl\.test$'
  [ "$(queries spam.example.uribl.test)" -ge 1 ]
}

@test "uribl: unlisted domains and a zone that fails add nothing; the message is delivered" {
  # zone.invalid is outside what our dnsmasq serves: it refuses, a lookup failure
  printf '%s\n' "uribl.test score 6" "zone.invalid score 6" >"$PH/control/uribl"
  f=$(message clean-1 "See https://www.good.example/page and http://news.other.example/")
  run send "$f"
  assert_output --partial "<-  250 2.0.0 Ok: queued"
  wait_for 20 has_delivered "$(md bob)/new" clean-1
  m=$(delivered "$(md bob)/new" clean-1)
  ! grep -q URIBL "$m"
  grep -q '^X-Spam-Status: No' "$m"
  [ "$(queries good.example.uribl.test)" -ge 1 ]
  [ "$(queries other.example.uribl.test)" -ge 1 ]
  wait_for 10 grep -q "posta-spamcheck: warning: uribl: lookup failed: zone.invalid" "$PH/log/spamcheck/current"
}

@test "uribl: literal addresses are asked reversed; an answer mask selects the lists" {
  printf '%s\n' "uribl.test" "bits.test &0x0c score 4" >"$PH/control/uribl"
  f=$(message ip-1 "Go to http://192.0.2.7/login or http://www.grey.example/")
  run "$POSTA_BIN/posta-spamcheck" check "$f"
  assert_success
  assert_line --regexp '^ +3\.0  URIBL_URIBL_TEST  link to 192\.0\.2\.7 \(127\.0\.0\.2\) listed by uribl\.test$'
  refute_output --partial URIBL_BITS_TEST  # 127.0.0.1 has none of the bits of 0x0c
  f=$(message bits-1 "Go to http://spam.example/")
  run "$POSTA_BIN/posta-spamcheck" check "$f"
  assert_line --regexp '^ +4\.0  URIBL_BITS_TEST  link to spam\.example \(127\.0\.0\.8\) listed by bits\.test$'
}

@test "uribl: a message with thousands of links asks at most control/uriblmax targets" {
  echo "cap.test score 6" >"$PH/control/uribl"
  echo 10 >"$PH/control/uriblmax"
  body=$(for i in $(seq 1 5000); do echo "http://host$i.domain$i.example/p"; done)
  f=$(message many-1 "$body")
  before=$(queries cap.test)
  start=$(date +%s)
  run send "$f"
  assert_output --partial "<-  250 2.0.0 Ok: queued"
  [ $(($(date +%s) - start)) -lt 20 ]
  wait_for 20 has_delivered "$(md bob)/new" many-1
  asked=$(($(queries cap.test) - before))
  echo "asked $asked" >&3
  [ "$asked" -ge 1 ] && [ "$asked" -le 10 ]
}
