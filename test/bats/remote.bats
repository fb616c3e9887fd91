#!/usr/bin/env bats
# posta-remote driven directly against python SMTP sinks on 127.0.0.1x addresses, with DNS
# from our own dnsmasq (control/resolvers), never the system resolver.
load ../lib/instance
load ../lib/remote

FIX="$BATS_TEST_DIRNAME/../fixtures/posta-remote"

make_cert() {  # make_cert NAME CN: cert signed by the test CA
  openssl req -newkey rsa:2048 -nodes -keyout "$T/$1.key" -subj "/CN=$2" -addext "subjectAltName=DNS:$2" \
    -out "$T/$1.csr" 2>/dev/null
  openssl x509 -req -in "$T/$1.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial -days 2 \
    -copy_extensions copy -out "$T/$1.pem" 2>/dev/null
}

# dnsmasq wants TXT strings as separate comma-separated arguments
txt_of() { sed -n 's/.*( \(.*\) ).*/\1/p' | sed 's/" "/,/g; s/"//g'; }

setup_file() {
  export T=$(mktemp -d /tmp/posta-remote.XXXXXX)
  chmod 755 "$T"
  export H=$T/h
  mkdir -p "$H/control" "$H/queue"
  export DNS_PORT=$(free_port) SINK_PORT=$(free_port)
  # posta-remote signs only mail that originated here (posta-remote(8) DKIM); these tests
  # are about the signatures themselves, so every message is one of our own notifications
  # (origin.bats tests the decision)
  export POSTA_MESSAGE_ORIGIN=bounce
  # local domains with DKIM keys (accounts database in $H/db)
  POSTA_HOME=$H "$POSTA_BIN/posta-domain" --home "$H" add example.test
  POSTA_HOME=$H "$POSTA_BIN/posta-domain" --home "$H" add rsa.test
  POSTA_HOME=$H "$POSTA_BIN/posta-domain" --home "$H" dkim-keygen example.test --selector s1 --type ed25519 >"$T/ed.txt"
  POSTA_HOME=$H "$POSTA_BIN/posta-domain" --home "$H" dkim-keygen rsa.test --selector s2 >"$T/rsa.txt"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/ca.key" -subj "/CN=posta test CA" -days 2 \
    -out "$T/ca.pem" 2>/dev/null
  make_cert good mx.good.test
  make_cert wrong wrong.example
  /usr/sbin/dnsmasq --keep-in-foreground --no-resolv --no-hosts --port "$DNS_PORT" \
    --listen-address 127.0.0.1 --bind-interfaces --local=/test/ --pid-file="$T/dnsmasq.pid" \
    --mx-host=ok.test,mx1.ok.test,10 --host-record=mx1.ok.test,127.0.0.11 \
    --mx-host=fb.test,mx1.fb.test,10 --mx-host=fb.test,mx2.fb.test,20 \
    --host-record=mx1.fb.test,127.0.0.12 --host-record=mx2.fb.test,127.0.0.11 \
    --mx-host=dead.test,mx.dead.test,10 --host-record=mx.dead.test,127.0.0.12 \
    --host-record=implicit.test,127.0.0.11 \
    --mx-host=null.test,.,0 \
    --mx-host=temp.test,mx.temp.test,10 --host-record=mx.temp.test,127.0.0.14 \
    --mx-host=rej.test,mx.rej.test,10 --host-record=mx.rej.test,127.0.0.15 \
    --mx-host=mix.test,mx.mix.test,10 --host-record=mx.mix.test,127.0.0.16 \
    --host-record=smarthost.test,127.0.0.17 \
    --mx-host=good.test,mx.good.test,10 --host-record=mx.good.test,127.0.0.18 \
    --mx-host=bad.test,mx.bad.test,10 --host-record=mx.bad.test,127.0.0.19 \
    --mx-host=reuse.test,mx.reuse.test,10 --host-record=mx.reuse.test,127.0.0.20 \
    --txt-record=s1._domainkey.example.test,"$(txt_of <"$T/ed.txt")" \
    --txt-record=s2._domainkey.rsa.test,"$(txt_of <"$T/rsa.txt")" \
    --log-facility="$T/dnsmasq.log" &
  echo $! >>"$T/pids"
  wait_for 10 test -s "$T/dnsmasq.pid"
  echo "127.0.0.1:$DNS_PORT" >"$H/control/resolvers"
  echo "$SINK_PORT" >"$H/control/smtpport"
  echo 5 >"$H/control/timeoutremote"
  echo 2 >"$H/control/timeoutconnect"
  echo sender.example.test >"$H/control/me"
  start_sink ok --listen 127.0.0.11:$SINK_PORT
  start_sink temp --listen 127.0.0.14:$SINK_PORT --mode tempfirst
  start_sink rej --listen 127.0.0.15:$SINK_PORT --mode reject
  start_sink mix --listen 127.0.0.16:$SINK_PORT --mode rcptmix --no-pipelining
  start_sink smart --listen 127.0.0.17:$SINK_PORT --auth user:s3cret --tls "$T/good.pem:$T/good.key"
  start_sink good --listen 127.0.0.18:$SINK_PORT --tls "$T/good.pem:$T/good.key" --smtputf8
  start_sink bad --listen 127.0.0.19:$SINK_PORT --tls "$T/wrong.pem:$T/wrong.key"
}

teardown_file() {
  kill_started
  [ -n "${KEEP:-}" ] || rm -rf "$T"
}

teardown() {
  rm -f "$H/control/smtproutes" "$H/control/smtproutes-auth" "$H/control/tlspolicy" "$H/control/tlsca"
  rm -rf "$H/queue/hostcache"
}

# remote DOMAIN SENDER RCPT...: message from $T/msg, report with NULs as newlines in $output
remote() {
  run bash -c 'POSTA_HOME="$0" "$1/posta-remote" "${@:2}" <"$T/msg" 2>"$T/stderr" | tr "\0" "\n"; exit ${PIPESTATUS[0]}' \
    "$H" "$POSTA_BIN" "$@"
}

msg() {  # msg FROM SUBJECT [BODY]
  printf 'From: Sender <%s>\nTo: someone@elsewhere.test\nSubject: %s\nDate: Mon, 01 Jan 2024 10:00:00 +0000\nMessage-ID: <%s@t>\n\n%s\n.leading dot\n' \
    "$1" "$2" "$RANDOM$RANDOM" "${3:-hello}" >"$T/msg"
}

sink_file() {  # sink_file SINK SUBJECT: the stored message with that subject
  grep -lE "^Subject: $2"$'\r?$' "$T/$1"/msg.* 2>/dev/null | head -1
}

@test "delivers to the MX with r and K, dot-stuffing intact" {
  msg alice@example.test "plain one"
  remote ok.test alice@example.test bob@ok.test
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "rmx1.ok.test[127.0.0.11]:$SINK_PORT said: 250 2.1.5 ok" ]
  [[ "${lines[1]}" == K*"250 2.0.0 queued as"* ]]
  f=$(sink_file ok "plain one")
  [ -n "$f" ]
  grep -q '^RCPT bob@ok.test$' "$f"
  grep -q '^\.leading dot' "$f"
  grep -q 'status=K' "$T/stderr"
}

@test "implicit MX: a domain with only an A record" {
  msg alice@example.test "implicit"
  remote implicit.test alice@example.test bob@implicit.test
  [[ "${lines[1]}" == K* ]]
  [[ "${lines[0]}" == rimplicit.test* ]]
}

@test "null MX (RFC 7505) and a nonexistent domain fail permanently" {
  msg alice@example.test "null"
  remote null.test alice@example.test bob@null.test
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "hdomain null.test does not accept mail (null MX)" ]
  [[ "${lines[1]}" == D* ]]
  remote nosuch.test alice@example.test bob@nosuch.test
  [ "${lines[0]}" = "hdomain nosuch.test does not exist" ]
  [[ "${lines[1]}" == D* ]]
}

@test "MX fallback to the second host; the dead one lands in the host cache" {
  msg alice@example.test "fallback"
  remote fb.test alice@example.test bob@fb.test
  [[ "${lines[0]}" == rmx2.fb.test* ]]
  [[ "${lines[1]}" == K* ]]
  [ -f "$H/queue/hostcache/127.0.0.12,$SINK_PORT" ]
  grep -q 'host=mx1.fb.test.*status=unreachable' "$T/stderr"
  [ -n "$(sink_file ok fallback)" ]
}

@test "unreachable host defers, then fails fast from the host cache" {
  msg alice@example.test "dead"
  remote dead.test alice@example.test bob@dead.test
  [[ "${lines[0]}" == s*"Connection refused"* ]]
  [[ "${lines[1]}" == Z* ]]
  remote dead.test alice@example.test bob@dead.test
  [[ "${lines[0]}" == s*"unreachable recently (host cache)"* ]]
  [[ "${lines[1]}" == Z* ]]
  run ! grep -q 'status=unreachable' "$T/stderr"
}

@test "451 at end of data defers, the retry is delivered" {
  msg alice@example.test "temp first"
  remote temp.test alice@example.test bob@temp.test
  [[ "${lines[0]}" == s*"451 4.3.0 temporary trouble"* ]]
  [[ "${lines[1]}" == Z* ]]
  [ -z "$(sink_file temp "temp first")" ]
  remote temp.test alice@example.test bob@temp.test
  [[ "${lines[1]}" == K* ]]
  [ -n "$(sink_file temp "temp first")" ]
}

@test "550 is a permanent failure quoting the remote reply" {
  msg alice@example.test "rejected"
  remote rej.test alice@example.test bob@rej.test
  [ "${lines[0]}" = "hmx.rej.test[127.0.0.15]:$SINK_PORT said: 550 5.7.1 <bob@rej.test> rejected by policy" ]
  [[ "${lines[1]}" == D* ]]
  # the log quotes the refusal, not the 250 to MAIL before it
  grep -q 'domain=rej.test .* status=D reply="550 5.7.1 <bob@rej.test> rejected by policy"' "$T/stderr"
  grep -q 'rcpt=<bob@rej.test> status=bounced reply=".*550 5.7.1 <bob@rej.test>' "$T/stderr"
  [ "$(grep -c 'reply="250' "$T/stderr")" = 0 ]
}

@test "one transaction, per-recipient results in order (no PIPELINING)" {
  msg alice@example.test "mixed"
  remote mix.test alice@example.test ok1@mix.test bad@mix.test later@mix.test ok2@mix.test
  [[ "${lines[0]}" == r* ]]
  [[ "${lines[1]}" == h*"550 5.1.1"* ]]
  [[ "${lines[2]}" == s*"451 4.2.0"* ]]
  [[ "${lines[3]}" == r* ]]
  [[ "${lines[4]}" == K* ]]
  f=$(sink_file mix mixed)
  [ "$(grep -c '^RCPT ' "$f")" -eq 2 ]
  [ "$(ls "$T/mix" | grep -c '^msg\.')" -eq 1 ]
  # one log line per refused recipient with its own reply; none for the accepted ones
  grep -q 'rcpt=<bad@mix.test> status=bounced reply=".*550 5.1.1 <bad@mix.test> no such user"' "$T/stderr"
  grep -q 'rcpt=<later@mix.test> status=deferred reply=".*451 4.2.0 <later@mix.test> try later"' "$T/stderr"
  [ "$(grep -c 'rcpt=<ok' "$T/stderr")" = 0 ]
}

@test "DKIM: ed25519 and rsa signatures verify with python3-dkim against our DNS" {
  msg alice@example.test "signed ed25519"
  remote ok.test alice@example.test bob@ok.test
  [[ "${lines[1]}" == K* ]]
  grep -q 'dkim=d=example.test s=s1' "$T/stderr"
  f=$(sink_file ok "signed ed25519")
  sed '1,/^$/d' "$f" >"$T/got"
  grep -q '^DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed; d=example.test; s=s1;' "$T/got"
  run $PY "$FIX/dkimverify.py" 127.0.0.1 "$DNS_PORT" <"$T/got"
  echo "$output"
  [ "$status" -eq 0 ]
  msg carol@rsa.test "signed rsa"
  remote ok.test carol@rsa.test bob@ok.test
  f=$(sink_file ok "signed rsa")
  sed '1,/^$/d' "$f" >"$T/got"
  grep -q 'a=rsa-sha256' "$T/got"
  run $PY "$FIX/dkimverify.py" 127.0.0.1 "$DNS_PORT" <"$T/got"
  [ "$status" -eq 0 ]
  # tampering is detected by the same verifier (the test can fail)
  sed -i 's/^hello/hellO/' "$T/got"
  run $PY "$FIX/dkimverify.py" 127.0.0.1 "$DNS_PORT" <"$T/got"
  [ "$status" -ne 0 ]
}

@test "mail from a domain without a key is not signed; a missing key defers" {
  msg someone@other.test "unsigned"
  remote ok.test someone@other.test bob@ok.test
  [[ "${lines[1]}" == K* ]]
  run ! grep -q '^DKIM-Signature' "$(sink_file ok unsigned)"
  mv "$H/dkim/rsa.test/s2.key" "$T/s2.key.saved"
  msg carol@rsa.test "nokey"
  remote ok.test carol@rsa.test bob@ok.test
  mv "$T/s2.key.saved" "$H/dkim/rsa.test/s2.key"
  [[ "${lines[0]}" == s*"DKIM signing failed"* ]]
  [[ "${lines[1]}" == Z* ]]
}

@test "STARTTLS is used when offered, and logged" {
  msg alice@example.test "tls may"
  remote good.test alice@example.test bob@good.test
  [[ "${lines[1]}" == K* ]]
  grep -q '^TLS yes' "$(sink_file good "tls may")"
  grep -q 'tls=TLSv1.[23]/.*/unverified' "$T/stderr"
}

@test "tlspolicy verify: trusted certificate delivers, wrong certificate defers" {
  cp "$T/ca.pem" "$H/control/tlsca"
  echo "good.test verify" >"$H/control/tlspolicy"
  echo "bad.test verify" >>"$H/control/tlspolicy"
  msg alice@example.test "verified"
  remote good.test alice@example.test bob@good.test
  [[ "${lines[1]}" == K* ]]
  grep -q 'tls=TLSv1.[23]/.*/verified' "$T/stderr"
  msg alice@example.test "wrong cert"
  remote bad.test alice@example.test bob@bad.test
  [[ "${lines[0]}" == s*"certificate verification failed"* ]]
  [[ "${lines[1]}" == Z* ]]
  [ "$(ls "$T/bad" | grep -c '^msg\.')" -eq 0 ]
  # policy encrypt accepts the same certificate
  echo "bad.test encrypt" >"$H/control/tlspolicy"
  remote bad.test alice@example.test bob@bad.test
  [[ "${lines[1]}" == K* ]]
}

@test "tlspolicy encrypt without STARTTLS defers; a typo in tlspolicy defers" {
  echo "ok.test encrypt" >"$H/control/tlspolicy"
  msg alice@example.test "must encrypt"
  remote ok.test alice@example.test bob@ok.test
  [[ "${lines[0]}" == s*"does not offer STARTTLS"* ]]
  echo "ok.test encrpyt" >"$H/control/tlspolicy"
  remote ok.test alice@example.test bob@ok.test
  [[ "${lines[0]}" == s*"unknown TLS policy"* ]]
  [ -z "$(sink_file ok "must encrypt")" ]
}

@test "smtproutes smarthost with AUTH over STARTTLS" {
  echo ":smarthost.test:$SINK_PORT" >"$H/control/smtproutes"
  printf 'smarthost.test user s3cret\n' >"$H/control/smtproutes-auth"
  chmod 600 "$H/control/smtproutes-auth"
  msg alice@example.test "via smarthost"
  remote far.away.test alice@example.test bob@far.away.test
  [[ "${lines[0]}" == rsmarthost.test* ]]
  [[ "${lines[1]}" == K* ]]
  grep -q '^TLS yes' "$(sink_file smart "via smarthost")"
  printf 'smarthost.test user wrong\n' >"$H/control/smtproutes-auth"
  msg alice@example.test "bad auth"
  remote far.away.test alice@example.test bob@far.away.test
  [[ "${lines[0]}" == s*"535 5.7.8"* ]]
  [[ "${lines[1]}" == Z* ]]
  # a per-domain route wins over the smarthost; "domain:" means plain MX
  printf ':smarthost.test:%s\nok.test:\n' "$SINK_PORT" >"$H/control/smtproutes"
  remote ok.test alice@example.test bob@ok.test
  [[ "${lines[0]}" == rmx1.ok.test* ]]
}

@test "SMTPUTF8 needed but not offered is a clear permanent failure; offered is used" {
  msg alice@example.test "utf8"
  remote ok.test alice@example.test "jörg@ok.test"
  [[ "${lines[0]}" == h*"does not support SMTPUTF8"* ]]
  [[ "${lines[1]}" == D* ]]
  remote good.test alice@example.test "jörg@good.test"
  [[ "${lines[1]}" == K* ]]
}

# RFC 6531: SMTPUTF8 only for a message with UTF-8 in its envelope or header fields; a
# server without it gets such a message anyway unless it cannot be sent without (5.6.7).
@test "SMTPUTF8 is asked for only when the message has UTF-8 addresses or header fields" {
  params() { sed -n 's/^PARAMS //p' "$(sink_file "$1" "$2")"; }
  msg alice@example.test "ascii plain"
  remote good.test alice@example.test bob@good.test
  [[ "${lines[1]}" == K* ]]
  [ "$(params good "ascii plain" | grep -c SMTPUTF8)" = 0 ]
  # an 8-bit body is 8BITMIME, not SMTPUTF8
  msg alice@example.test "eight bit body" "caf$(printf '\xc3\xa9')"
  remote good.test alice@example.test bob@good.test
  [[ "${lines[1]}" == K* ]]
  params good "eight bit body" | grep -q "BODY=8BITMIME"
  [ "$(params good "eight bit body" | grep -c SMTPUTF8)" = 0 ]
  msg alice@example.test "8bitmime body" "caf$(printf '\xc3\xa9')"
  export POSTA_BODY=8BITMIME
  remote good.test alice@example.test bob@good.test
  unset POSTA_BODY
  [[ "${lines[1]}" == K* ]]
  params good "8bitmime body" | grep -q "BODY=8BITMIME"
  [ "$(params good "8bitmime body" | grep -c SMTPUTF8)" = 0 ]
  # a UTF-8 header field: asked for where offered...
  msg alice@example.test "caf$(printf '\xc3\xa9') header"
  remote good.test alice@example.test bob@good.test
  [[ "${lines[1]}" == K* ]]
  params good "caf.* header" | grep -q SMTPUTF8
  # ...sent without it where not (it did not arrive with SMTPUTF8)...
  remote ok.test alice@example.test bob@ok.test
  [[ "${lines[0]}" == r* ]]
  [[ "${lines[1]}" == K* ]]
  [ -n "$(sink_file ok "caf.* header")" ]
  [ "$(params ok "caf.* header" | grep -c SMTPUTF8)" = 0 ]
  # ...and a permanent 5.6.7 failure when it did
  export POSTA_SMTPUTF8=1
  remote ok.test alice@example.test bob@ok.test
  unset POSTA_SMTPUTF8
  [[ "${lines[0]}" == "h5.6.7 "*"does not support SMTPUTF8"* ]]
  [[ "${lines[1]}" == D* ]]
  # arrived with SMTPUTF8 but all ASCII: not asked for
  msg alice@example.test "ascii came utf8"
  export POSTA_SMTPUTF8=1
  remote good.test alice@example.test bob@good.test
  unset POSTA_SMTPUTF8
  [[ "${lines[1]}" == K* ]]
  [ -n "$(sink_file good "ascii came utf8")" ]
  [ "$(params good "ascii came utf8" | grep -c SMTPUTF8)" = 0 ]
}

@test "bad usage exits 111; broken resolver config defers" {
  run "$POSTA_BIN/posta-remote" ok.test
  [ "$status" -eq 111 ]
  cp "$H/control/resolvers" "$T/resolvers.saved"
  echo "not-an-ip" >"$H/control/resolvers"
  msg alice@example.test "bad resolvers"
  remote ok.test alice@example.test bob@ok.test
  cp "$T/resolvers.saved" "$H/control/resolvers"
  [[ "${lines[0]}" == s*"bad resolver address"* ]]
  [[ "${lines[1]}" == Z* ]]
}

# request FD SLOT ID DOMAIN RCPT: one "d" frame (pipe_proto.h) for $H/queue/mess/ID
request() {
  local n
  n=$(printf 'd\0%s\0%s\0sender@example.test\0%s\0%s\0\0%s' "$2" "$3" 0 "$4" "$5" | wc -c)
  printf '%s:d\0%s\0%s\0sender@example.test\0%s\0%s\0\0%s,' "$n" "$2" "$3" 0 "$4" "$5" >&"$1"
}
reports() { tr '\0' '\n' <"$T/wout"; }
worker_gone() { ! kill -0 "$worker"; }
has_sink() { [ -n "$(sink_file "$1" "$2")" ]; }
conn_logged() { [ "$(grep -c "domain=reuse.test .*connection=$1" "$T/wlog")" -eq "$2" ]; }

@test "worker mode: one connection for several messages; a closed or 4xx'd one is not reused" {
  mkdir -p "$H/queue/mess"
  for i in 1 2 3; do msg sender@example.test "reuse $i"; cp "$T/msg" "$H/queue/mess/$i"; done
  start_sink reuse --listen 127.0.0.20:$SINK_PORT
  sink=$(tail -1 "$T/pids")
  mkfifo "$T/wreq"
  POSTA_HOME=$H "$POSTA_BIN/posta-remote" -w <"$T/wreq" >"$T/wout" 2>"$T/wlog" &
  worker=$!
  echo "$worker" >>"$T/pids"
  exec 7>"$T/wreq"
  request 7 1 1 reuse.test a@reuse.test
  wait_for 10 has_sink reuse "reuse 1"
  wait_for 10 conn_logged new 1
  request 7 2 2 reuse.test b@reuse.test
  wait_for 10 conn_logged reused 1
  [ -n "$(sink_file reuse "reuse 2")" ]
  # the server goes away (its connection closes): the next delivery opens a new one, and
  # the new server answers 451 to the first message: not reused, the retry connects afresh
  kill "$sink"; wait "$sink" 2>/dev/null || true
  start_sink reuse2 --listen 127.0.0.20:$SINK_PORT --mode tempfirst 7>&-  # no writer left behind
  request 7 3 3 reuse.test c@reuse.test
  wait_for 10 conn_logged new 2
  request 7 4 3 reuse.test c@reuse.test
  wait_for 10 conn_logged new 3
  exec 7>&-  # end of file: the worker says QUIT and exits 0
  wait_for 10 worker_gone
  wait "$worker"
  conn_logged reused 1
  [ -n "$(sink_file reuse2 "reuse 3")" ]
  [ "$(ls "$T/reuse2" | grep -c '^msg\.')" -eq 1 ]
  reports | grep -q '^s.*451 4.3.0'
  [ "$(reports | grep -c '^K')" -eq 3 ]
  [ "$(reports | grep -c '^Z')" -eq 1 ]
  [ "$(reports | grep -c '^r')" -eq 3 ]
}

@test "worker mode: a bad request frame exits 111, a missing message is a temporary failure" {
  run bash -c 'printf "5:d\0x,x" | POSTA_HOME="$0" "$1/posta-remote" -w' "$H" "$POSTA_BIN"
  [ "$status" -eq 111 ]
  request 1 1 nosuchid ok.test x@ok.test >"$T/badreq"
  run bash -c 'POSTA_HOME="$0" "$1/posta-remote" -w <"$2" | tr "\0" "\n"' "$H" "$POSTA_BIN" "$T/badreq"
  [ "$status" -eq 0 ]
  [[ "$output" == *"sunable to open the message"* ]]
  [[ "$output" == *"Z"* ]]
}
