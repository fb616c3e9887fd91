#!/usr/bin/env bats
# posta-authcheck dkim and dmarc against a real dnsmasq on loopback serving DKIM keys and
# DMARC records; messages signed with python3-dkim as an outside sender would sign them.
# Cross-checked on the same DNS data (test/fixtures/posta-authcheck/peers.py):
#   dkim  - python3-dkim's verification, signature by signature (pass/fail, d=, s=)
#   dmarc - libopendmarc (Debian opendmarc) fed with the policy record, the SPF result given
#           to both, and python3-dkim's verdicts: result and disposition
# Not cross-checked, asserted on our own: pct= sampling (libopendmarc leaves it to its milter),
# several From fields, DNS failures (temperror), the Authentication-Results field, strict
# alignment of a From at the organisational domain (libopendmarc differs, see that test), and
# l= with content past it (python3-dkim says pass, we say policy).
# The domains are RFC 2606 names (example.com, .net, .org, example.co.uk) that only our dnsmasq
# answers for: libopendmarc gives a name under a TLD the Public Suffix List does not know
# (such as .test) no organisational domain, where RFC 7489 and libpsl apply the "*" rule.
load ../lib/instance
load ../lib/remote

FIX="$BATS_TEST_DIRNAME/../fixtures/posta-authcheck"
KEYS="$BATS_TEST_DIRNAME/../fixtures/posta-remote/dkim"

# dns_txt NAME FILE: a --txt-record of FILE's first line, in strings of at most 200 octets
dns_txt() { echo "--txt-record=$1,$(head -n1 "$2" | fold -w 200 | paste -sd,)"; }

setup_file() {
  export T=$(mktemp -d /tmp/posta-dmarc.XXXXXX)
  export H=$T/h DNS_PORT=$(free_port)
  mkdir -p "$H/control"
  echo "127.0.0.1:$DNS_PORT" >"$H/control/resolvers"
  echo mx.our.test >"$H/control/me"
  echo 2 >"$H/control/timeoutdns"
  local d dns=()
  for d in example.com mail.example.com example.net mail.example.net quar.example.org mon.example.org none.example.org \
    example.co.uk; do
    dns+=("$(dns_txt "sel._domainkey.$d" "$KEYS/rsa.txt")" "$(dns_txt "ed._domainkey.$d" "$KEYS/ed25519.txt")")
  done
  echo "v=DKIM1; k=rsa; p=" >"$T/revoked.txt"
  dns+=("$(dns_txt sel._domainkey.revoked.example.org "$T/revoked.txt")"
    "--txt-record=_dmarc.example.com,v=DMARC1; p=reject; sp=quarantine"
    "--txt-record=_dmarc.example.net,v=DMARC1; p=reject; adkim=s; aspf=s"
    "--txt-record=_dmarc.quar.example.org,v=DMARC1; p=quarantine"
    "--txt-record=_dmarc.mon.example.org,v=DMARC1; p=none"
    "--txt-record=_dmarc.half.example.org,v=DMARC1; p=reject; pct=50"
    "--txt-record=_dmarc.example.co.uk,v=DMARC1; p=reject"
    "--txt-record=none.example.org,v=spf1 -all"
    --local=/example.com/ --local=/example.net/ --local=/example.org/ --local=/example.co.uk/)
  start_dns "${dns[@]}"
}

teardown_file() {
  kill_started
  [ -n "${KEEP:-}" ] || rm -rf "$T"
}

setup() { load_helpers; }

authcheck() { "$POSTA_BIN/posta-authcheck" --home "$H" "$@"; }

# message FROM [BODY]: a message from FROM on stdout (LF line ends)
message() {
  printf 'From: Sender <%s>\nTo: bob@our.test\nSubject: test %s\nDate: Mon, 07 Dec 2026 10:00:00 +0000\n\n%s\n' \
    "$1" "$BATS_TEST_NUMBER" "${2:-Hello Bob,  with  spaces.}"
}

# signed FILE FROM DOMAIN SELECTOR CANON [l]: message FROM signed by python3-dkim as d=DOMAIN
signed() {
  local key=$KEYS/rsa.key
  [ "$4" = ed ] && key=$KEYS/ed25519.key
  message "$2" | $PY "$FIX/peers.py" sign "$key" "$3" "$4" "$5" ${6:-} >"$1"
}

# ours FILE: posta-authcheck dkim's lines as "dkim=pass|fail d= s=" (every result that is not
# pass counts as fail, as python3-dkim has only the two)
ours_dkim() {
  authcheck dkim "$1" | sed -E 's/^dkim=(fail|permerror|temperror|policy|neutral)/dkim=fail/' | cut -d' ' -f1-3
}
peer_dkim() { $PY "$FIX/peers.py" dkimverify "$DNS_PORT" <"$1"; }

# same_dkim FILE EXPECTED: ours and python3-dkim's verdicts are both EXPECTED
same_dkim() {
  run ours_dkim "$1"
  assert_output "$2"
  run peer_dkim "$1"
  assert_output "$2"
}

@test "dkim: rsa relaxed/relaxed and simple/simple signatures pass, as python3-dkim says" {
  signed "$T/rr" a@example.com example.com sel relaxed/relaxed
  same_dkim "$T/rr" "dkim=pass d=example.com s=sel"
  signed "$T/ss" a@example.com example.com sel simple/simple
  same_dkim "$T/ss" "dkim=pass d=example.com s=sel"
  run authcheck dkim "$T/ss"
  assert_success
  assert_output "dkim=pass d=example.com s=sel a=rsa-sha256 c=simple/simple"
}

@test "dkim: ed25519-sha256, relaxed/simple, passes" {
  signed "$T/ed" a@example.com example.com ed relaxed/simple
  same_dkim "$T/ed" "dkim=pass d=example.com s=ed"
  run authcheck dkim "$T/ed"
  assert_output --partial "a=ed25519-sha256 c=relaxed/simple"
}

@test "dkim: a body changed after signing fails, exit 1" {
  signed "$T/changed" a@example.com example.com sel relaxed/relaxed
  sed -i 's/Hello Bob/Hello Rob/' "$T/changed"
  same_dkim "$T/changed" "dkim=fail d=example.com s=sel"
  run authcheck dkim "$T/changed"
  assert_failure 1
  assert_output --partial "(body hash mismatch)"
  # a relaxed body tolerates changed white space, a simple one does not
  signed "$T/ws" a@example.com example.com sel relaxed/relaxed
  sed -i 's/with  spaces/with   spaces/' "$T/ws"
  same_dkim "$T/ws" "dkim=pass d=example.com s=sel"
  signed "$T/ws2" a@example.com example.com sel relaxed/simple
  sed -i 's/with  spaces/with   spaces/' "$T/ws2"
  same_dkim "$T/ws2" "dkim=fail d=example.com s=sel"
}

@test "dkim: no signature is none (exit 1), two signatures are reported one by one" {
  message a@example.com >"$T/plain"
  run authcheck dkim "$T/plain"
  assert_failure 1
  assert_output "dkim=none (no DKIM-Signature)"
  run peer_dkim "$T/plain"
  assert_output "dkim=none"
  signed "$T/one" a@example.com example.com ed relaxed/relaxed
  $PY "$FIX/peers.py" sign "$KEYS/rsa.key" mail.example.com sel relaxed/relaxed <"$T/one" >"$T/two"
  same_dkim "$T/two" "dkim=pass d=mail.example.com s=sel
dkim=pass d=example.com s=ed"
}

@test "dkim: l= - the whole body signed passes; content appended past l= is policy here, pass for python3-dkim" {
  signed "$T/l" a@example.com example.com sel relaxed/relaxed l
  grep -q "l=" "$T/l"
  same_dkim "$T/l" "dkim=pass d=example.com s=sel"
  printf 'Click here: http://evil.test/\n' >>"$T/l"
  run peer_dkim "$T/l"
  assert_output "dkim=pass d=example.com s=sel"
  run authcheck dkim "$T/l"
  assert_failure 1
  assert_output --regexp '^dkim=policy d=example.com s=sel .*\(l= leaves [0-9]+ body octets unsigned\)$'
}

@test "dkim: a revoked key (empty p=) does not pass for either" {
  signed "$T/rev" a@revoked.example.org revoked.example.org sel relaxed/relaxed
  same_dkim "$T/rev" "dkim=fail d=revoked.example.org s=sel"
  run authcheck dkim "$T/rev"
  assert_output --partial "dkim=permerror d=revoked.example.org s=sel"
  assert_output --partial "key revoked"
}

# dmarc_case FILE MAIL_FROM SPF EXPECTED: our "dmarc=R ... disposition=D" and libopendmarc's
# are both EXPECTED ("dmarc=R disposition=D")
dmarc_case() {
  run authcheck dmarc --mail-from "$2" --spf-result "$3" "$1"
  local ours
  ours=$(echo "$output" | head -n1 | grep -oE '^dmarc=[a-z]+|disposition=[a-z]+' | paste -sd' ')
  [ "$ours" = "$4" ] || fail "posta-authcheck: $output (expected $4)"
  run $PY "$FIX/peers.py" dmarc "$DNS_PORT" "${2#*@}" "$3" <"$1"
  [ "$output" = "$4" ] || fail "opendmarc: $output (expected $4)"
}

@test "dmarc: pass through an aligned DKIM signature, and through SPF alone" {
  signed "$T/d1" a@example.com example.com sel relaxed/relaxed
  dmarc_case "$T/d1" bounce@elsewhere.test fail "dmarc=pass disposition=none"
  message a@example.com >"$T/d2"
  dmarc_case "$T/d2" bounce@example.com pass "dmarc=pass disposition=none"
  run authcheck dmarc --mail-from bounce@example.com --spf-result pass "$T/d2"
  assert_success
  assert_line --index 0 --partial "spf-aligned=yes dkim-aligned=no"
}

@test "dmarc: reject, quarantine and none policies of unauthenticated mail; no record is none" {
  message ceo@example.com >"$T/r"
  dmarc_case "$T/r" forger@evil.test pass "dmarc=fail disposition=reject"
  run authcheck dmarc --mail-from forger@evil.test --spf-result pass "$T/r"
  assert_failure 1
  message a@quar.example.org >"$T/q"
  dmarc_case "$T/q" a@quar.example.org fail "dmarc=fail disposition=quarantine"
  message a@mon.example.org >"$T/n"
  dmarc_case "$T/n" a@mon.example.org softfail "dmarc=fail disposition=none"
  message a@none.example.org >"$T/none"
  dmarc_case "$T/none" a@none.example.org fail "dmarc=none disposition=none"
}

@test "dmarc: relaxed alignment takes a subdomain's signature and MAIL FROM, strict does not" {
  signed "$T/rel" a@example.com mail.example.com sel relaxed/relaxed
  dmarc_case "$T/rel" x@evil.test none "dmarc=pass disposition=none"
  message a@example.com >"$T/rel2"
  dmarc_case "$T/rel2" bounce@mail.example.com pass "dmarc=pass disposition=none"
  signed "$T/str" a@mail.example.net example.net sel relaxed/relaxed
  dmarc_case "$T/str" bounce@example.net pass "dmarc=fail disposition=reject"
  signed "$T/str2" a@example.net example.net sel relaxed/relaxed
  dmarc_case "$T/str2" bounce@mail.example.net pass "dmarc=pass disposition=none"
  # From the organisational domain itself, authenticated only by a subdomain: not aligned
  # under adkim=s/aspf=s (RFC 7489 3.1.1). libopendmarc 1.4.2 calls this aligned (its strict
  # check accepts an exact match of the other name's organisational domain), so ours alone.
  signed "$T/str3" a@example.net mail.example.net sel relaxed/relaxed
  run authcheck dmarc --mail-from bounce@mail.example.net --spf-result pass "$T/str3"
  assert_failure 1
  assert_line --index 0 --partial "dmarc=fail from=example.net policy-domain=example.net p=reject sp=- pct=100 disposition=reject"
}

@test "dmarc: sp= applies to a subdomain whose policy comes from its organisational domain" {
  message a@sub.example.com >"$T/sub"
  dmarc_case "$T/sub" a@sub.example.com fail "dmarc=fail disposition=quarantine"
  run authcheck dmarc --mail-from a@sub.example.com --spf-result fail "$T/sub"
  assert_line --index 0 --partial "from=sub.example.com policy-domain=example.com p=reject sp=quarantine"
}

@test "dmarc: the organisational domain of mail.example.co.uk is example.co.uk (Public Suffix List)" {
  message a@mail.example.co.uk >"$T/uk"
  dmarc_case "$T/uk" a@mail.example.co.uk fail "dmarc=fail disposition=reject"
  run authcheck dmarc --mail-from a@mail.example.co.uk --spf-result fail "$T/uk"
  assert_line --index 0 --partial "policy-domain=example.co.uk"
  signed "$T/uk2" a@mail.example.co.uk example.co.uk sel relaxed/relaxed
  dmarc_case "$T/uk2" a@mail.example.co.uk fail "dmarc=pass disposition=none"
}

@test "dmarc: pct= leaves a message out of reject to quarantine" {
  message a@half.example.org >"$T/half"
  run authcheck dmarc --mail-from a@half.example.org --spf-result fail --sample 49 "$T/half"
  assert_line --index 0 --partial "disposition=reject"
  run authcheck dmarc --mail-from a@half.example.org --spf-result fail --sample 50 "$T/half"
  assert_line --index 0 --partial "disposition=quarantine spf-aligned=no dkim-aligned=no sampled-out"
  assert_output --partial "(p=reject dis=quarantine pct=50)"
}

@test "dmarc: two From fields are permerror with disposition reject" {
  { printf 'From: a@none.example.org\n'; message ceo@example.com; } >"$T/two"
  run authcheck dmarc --mail-from a@none.example.org --spf-result pass "$T/two"
  assert_failure 1
  assert_line --index 0 --partial "dmarc=permerror from=- disposition=reject"
}

@test "dmarc: the Authentication-Results field names control/me, or control/authservid" {
  signed "$T/ar" a@example.com example.com sel relaxed/relaxed
  run authcheck dmarc --mail-from bounce@example.com --spf-result pass "$T/ar"
  assert_success
  assert_line --index 1 "Authentication-Results: mx.our.test;"
  assert_line --index 2 "	spf=pass smtp.mailfrom=bounce@example.com;"
  assert_line --index 3 "	dkim=pass header.d=example.com header.s=sel header.a=rsa-sha256;"
  assert_line --index 4 "	dmarc=pass (p=reject sp=quarantine dis=none) header.from=example.com policy.dmarc=none"
  echo auth.our.test >"$H/control/authservid"
  run authcheck dmarc --mail-from "" --helo mx.example.com --spf-result none "$T/ar"
  rm "$H/control/authservid"
  assert_line --index 1 "Authentication-Results: auth.our.test;"
  assert_line --index 2 "	spf=none smtp.helo=mx.example.com;"
}

@test "dmarc and dkim: a DNS that does not answer is temperror (exit 111); no control/resolvers is refused" {
  mkdir -p "$T/down/control"
  echo "127.0.0.1:$(free_port)" >"$T/down/control/resolvers"
  echo 1 >"$T/down/control/timeoutdns"
  message a@example.com >"$T/t"
  run "$POSTA_BIN/posta-authcheck" --home "$T/down" dmarc --mail-from a@example.com --spf-result fail "$T/t"
  assert_failure 111
  assert_line --index 0 --partial "dmarc=temperror"
  signed "$T/t2" a@example.com example.com sel relaxed/relaxed
  run "$POSTA_BIN/posta-authcheck" --home "$T/down" dkim "$T/t2"
  assert_failure 111
  assert_output --partial "dkim=temperror d=example.com"
  mkdir -p "$T/nores/control"
  run "$POSTA_BIN/posta-authcheck" --home "$T/nores" dkim "$T/t2"
  assert_failure 111
  assert_output --partial "never asks the system resolver"
}
