#!/usr/bin/env bats
# posta-tlsd: implicit TLS and STARTTLS through real clients (openssl s_client, Python ssl)
# in front of a tiny protocol server built from test/fixtures/posta-tlsd/proto-server.cc
# against libposta.a, so that the real lib/tls/tls_control.h API is exercised. Connections
# come from a tcpserver-style launcher (test/fixtures/posta-tlsd/launch.py).
# The tests named "daemon:" run the instance's shape: posta-setup, s6, one long-lived
# posta-tlsd -D (service tlsd) fed by every TLS service's posta-tcpd -T; extra posta-tcpd -T
# in front of /bin/cat and proto-server share that posta-tlsd.

load ../lib/instance

FIX="$BATS_TEST_DIRNAME/../fixtures/posta-tlsd"
SRC="${POSTA_SRC:-$BATS_TEST_DIRNAME/../..}"

mkcert() {  # mkcert DIR CN
  mkdir -p "$1"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
    -keyout "$1/key.pem" -out "$1/cert.pem" -subj "/CN=$2" -addext "subjectAltName=DNS:$2" \
    2>/dev/null
  chmod 600 "$1/key.pem"
}

# start_tlsd NAME HOME ARGS...: a launcher running posta-tlsd ARGS per connection;
# its port in $T/NAME.port, posta-tlsd's and the server's stderr in $T/NAME.log
start_tlsd() {
  local name=$1 home=$2; shift 2
  POSTA_HOME=$home PROTO_DEBUG=1 "$PY" "$FIX/launch.py" "$T/$name.port" \
    "$POSTA_BIN/posta-tlsd" "$@" </dev/null >/dev/null 2>"$T/$name.log" 3>&- &
  echo $! >"$T/$name.pid"
  wait_for 10 test -s "$T/$name.port"
}
port() { cat "$T/$1.port"; }

setup_file() {
  export T=$BATS_FILE_TMPDIR
  # a sanitizer build's library (make SAN=1, sanitizers.bats) needs its runtime in the helper too
  local san=()
  nm "$POSTA_BIN/../libposta.a" 2>/dev/null | grep -q __asan_ && san=(-fsanitize=address,undefined)
  g++ -std=c++2b -O1 "${san[@]}" -I"$SRC/lib" "$FIX/proto-server.cc" "$POSTA_BIN/../libposta.a" -o "$T/proto-server"
  export H=$T/home
  mkcert "$H/tls" default.test
  mkcert "$H/tls/a.test" a.test
  mkcert "$H/tls/b.test" b.test
  chmod 700 "$H/tls"
  start_tlsd smtp "$H" -s -- "$T/proto-server" smtp
  start_tlsd imap "$H" -s -- "$T/proto-server" imap
  start_tlsd pop3 "$H" -s -- "$T/proto-server" pop3
  start_tlsd smtps "$H" -i -- "$T/proto-server" smtp
  start_tlsd cat "$H" -i -- /bin/cat
  start_tlsd slow "$H" -i -t 1 -- "$T/proto-server" smtp
  start_instance_daemon
}

# start_tcpd_t NAME MODE ARGS...: a posta-tcpd -T on the instance's posta-tlsd; port in
# $T/NAME.port, log in $T/NAME.log
start_tcpd_t() {
  local name=$1 mode=$2 p; shift 2
  p=$(free_port)
  PROTO_DEBUG=1 "$POSTA_BIN/posta-tcpd" -c 300 -C 300 -T "$PH/run/tlsd.sock" -M "$mode" 127.0.0.1 "$p" "$@" \
    </dev/null >/dev/null 2>"$T/$name.log" 3>&- &
  echo $! >"$T/$name.pid"
  echo "$p" >"$T/$name.port"
  wait_port 127.0.0.1 "$p"
}

start_instance_daemon() {
  instance_create example.test >/dev/null 2>&1
  mkcert "$PH/tls/a.test" a.test
  mkcert "$PH/tls/b.test" b.test
  chown -R --reference="$PH/tls" "$PH/tls"
  instance_start
  start_tcpd_t dcat implicit /bin/cat
  start_tcpd_t dsmtp starttls "$T/proto-server" smtp
  start_tcpd_t dsmtps implicit "$T/proto-server" smtp
}

tlsd_pid() { s6-svstat -o pid "$PH/service/tlsd"; }
tlsd_up() { [ "$(s6-svstat -o up,ready "$PH/service/tlsd")" = "true true" ]; }
fingerprint() {  # fingerprint PORT [SNI]: SHA-256 of the certificate served
  echo | timeout 10 openssl s_client -connect "127.0.0.1:$1" ${2:+-servername $2} 2>/dev/null |
    openssl x509 -noout -fingerprint -sha256
}

teardown_file() {
  local f
  for f in "$T"/*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null; done
  [ -f "$T/split.dir" ] && rm -rf "$(cat "$T/split.dir")"
  instance_stop
  true
}

setup() { load_helpers; }

# held_session PORT [SNI]: (run as a coproc) a TLS session that prints the greeting, waits for
# a line on stdin, then sends INFO and prints the reply
held_session() {
  "$PY" -u -c '
import socket, ssl, sys
c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT); c.check_hostname = False; c.verify_mode = ssl.CERT_NONE
sni = sys.argv[2] if len(sys.argv) > 2 else None
s = c.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1]))), server_hostname=sni)
f = s.makefile("rb")
print(f.readline().decode().strip())
sys.stdin.readline()
s.sendall(b"INFO\r\n")
print(f.readline().decode().strip())' "$@"
}

sclient() {  # sclient INPUT ARGS...: openssl s_client, quiet, until the server closes
  local input=$1; shift
  printf "$input" | timeout 20 openssl s_client -quiet -ign_eof "$@" 2>&1
}

@test "implicit TLS: handshake first, the server gets SSL_PROTOCOL, SSL_CIPHER and SSL_SNI" {
  run sclient 'INFO\r\nQUIT\r\n' -connect "127.0.0.1:$(port smtps)" -servername a.test
  assert_output --partial "220 test.example ESMTP test"
  assert_output --regexp "INFO uid=[0-9]+ tls=TLSv1.3 cipher=TLS_[A-Z0-9_]+ sni=a.test subject="
  assert_output --partial "221 2.0.0 bye"
  refute_output --partial "unexpected eof"  # close_notify was sent
}

@test "STARTTLS smtp: openssl s_client -starttls smtp" {
  run sclient 'INFO\r\nQUIT\r\n' -starttls smtp -connect "127.0.0.1:$(port smtp)"
  assert_output --regexp "INFO uid=[0-9]+ tls=TLSv1.3 cipher=TLS_"
  assert_output --partial "221 2.0.0 bye"
  refute_output --partial "unexpected eof"
}

@test "STARTTLS imap: openssl s_client -starttls imap" {
  run sclient '. INFO\r\n. LOGOUT\r\n' -starttls imap -connect "127.0.0.1:$(port imap)"
  assert_output --regexp "INFO uid=[0-9]+ tls=TLSv1.3"
  assert_output --partial ". OK bye"
}

@test "STARTTLS pop3: openssl s_client -starttls pop3" {
  run sclient 'INFO\r\nQUIT\r\n' -starttls pop3 -connect "127.0.0.1:$(port pop3)"
  assert_output --regexp "INFO uid=[0-9]+ tls=TLSv1.3"
  assert_output --partial "+OK bye"
}

@test "-s: plain text until STARTTLS, control fd offered, no SSL_ variables" {
  run "$PY" - "$(port smtp)" <<'PYEOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
f = s.makefile("rb")
print(f.readline().decode().strip())
s.sendall(b"EHLO x\r\nINFO\r\nQUIT\r\n")
for _ in range(4): print(f.readline().decode().strip())
PYEOF
  assert_success
  assert_line "250 STARTTLS"
  assert_line --regexp "^INFO uid=[0-9]+ tls=none$"
  assert_line "221 2.0.0 bye"
}

@test "TLS 1.0 and 1.1 are refused with a protocol_version alert; TLS 1.2 works" {
  for v in tls1 tls1_1; do
    run bash -c "echo | timeout 10 openssl s_client -$v -cipher 'DEFAULT:@SECLEVEL=0' -connect 127.0.0.1:$(port smtps) 2>&1"
    assert_output --partial "alert protocol version"
    assert_output --partial "Cipher is (NONE)"
  done
  run bash -c "echo | timeout 10 openssl s_client -tls1_2 -connect 127.0.0.1:$(port smtps) 2>&1"
  assert_output --regexp "New, TLSv1.2, Cipher is ECDHE-(ECDSA|RSA)-(AES128-GCM-SHA256|AES256-GCM-SHA384|CHACHA20-POLY1305)"
}

@test "weak TLS 1.2 ciphers (CBC, static RSA key exchange) are refused" {
  for c in AES128-SHA AES256-GCM-SHA384 ECDHE-ECDSA-AES128-SHA ECDHE-ECDSA-AES256-SHA384; do
    run bash -c "echo | timeout 10 openssl s_client -tls1_2 -cipher '$c:@SECLEVEL=0' -connect 127.0.0.1:$(port smtps) 2>&1"
    assert_output --partial "Cipher is (NONE)"
  done
}

@test "STARTTLS injection: STARTTLS and RSET in one packet, RSET is never answered inside TLS" {
  : >"$T/smtp.log.mark"
  run "$PY" "$FIX/inject.py" "$(port smtp)" rset
  assert_success
  assert_output "250 2.0.0 OK"   # the first reply inside TLS answers our NOOP
  run grep -c "proto-server: got RSET" "$T/smtp.log"
  assert_output 0
}

@test "STARTTLS injection flood: 10,000 pipelined RSETs never reach the server inside TLS" {
  for i in 1 2 3; do
    run "$PY" "$FIX/inject.py" "$(port smtp)" flood
    # fail closed: either the handshake breaks on the stray plaintext or TLS is clean
    if [ "$status" = 0 ]; then assert_output "250 2.0.0 OK"; fi
    refute_output --partial "flushed"
    refute_output --partial "unknown"
  done
  run grep -c "proto-server: got RSET" "$T/smtp.log"
  assert_output 0
}

@test "a ClientHello sent in the same packet as STARTTLS is kept for the handshake" {
  run "$PY" "$FIX/inject.py" "$(port smtp)" hello
  assert_success
  assert_output "250 2.0.0 OK"
}

@test "SNI: each of two domains gets its own certificate, others the default" {
  for n in a.test b.test; do
    run bash -c "echo | timeout 10 openssl s_client -servername $n -connect 127.0.0.1:$(port smtps) 2>/dev/null | openssl x509 -noout -subject"
    assert_output "subject=CN = $n"
  done
  for n in c.test A.TEST; do
    run bash -c "echo | timeout 10 openssl s_client -servername $n -connect 127.0.0.1:$(port smtps) 2>/dev/null | openssl x509 -noout -subject"
    [ $n = A.TEST ] && assert_output "subject=CN = a.test" || assert_output "subject=CN = default.test"
  done
  run bash -c "echo | timeout 10 openssl s_client -noservername -connect 127.0.0.1:$(port smtps) 2>/dev/null | openssl x509 -noout -subject"
  assert_output "subject=CN = default.test"
  run sclient 'INFO\r\nQUIT\r\n' -starttls smtp -servername b.test -connect "127.0.0.1:$(port smtp)"
  assert_output --partial "sni=b.test"
}

@test "50 MB in both directions at once arrive byte-identical" {
  run timeout 120 "$PY" "$FIX/bulk.py" "$(port cat)" 50
  assert_success
  assert_output --regexp "^ok 52428800 52428800 "
}

@test "a key readable by group or others is refused with a clear error" {
  local bad=$T/badhome
  mkcert "$bad/tls" bad.test
  chmod 640 "$bad/tls/key.pem"
  POSTA_HOME=$bad run "$POSTA_BIN/posta-tlsd" -n
  assert_equal "$status" 111
  assert_output --partial "is accessible by group or others (mode 0640); run chmod 600"
  start_tlsd bad "$bad" -i -- "$T/proto-server" smtp
  run sclient 'INFO\r\n' -connect "127.0.0.1:$(port bad)"
  refute_output --partial "INFO"
  run cat "$T/bad.log"
  assert_output --partial "accessible by group or others"
  refute_output --partial "proto-server: got"
  chmod 600 "$bad/tls/key.pem"   # the next connection rereads the files
  run sclient 'INFO\r\nQUIT\r\n' -connect "127.0.0.1:$(port bad)"
  assert_output --partial "tls=TLSv1.3"
}

@test "-n checks the per-name certificates too" {
  POSTA_HOME=$H run "$POSTA_BIN/posta-tlsd" -n
  assert_success
  chmod 644 "$H/tls/b.test/key.pem"
  POSTA_HOME=$H run "$POSTA_BIN/posta-tlsd" -n
  chmod 600 "$H/tls/b.test/key.pem"
  assert_equal "$status" 111
  assert_output --partial "b.test/key.pem"
}

@test "handshake timeout: a silent client is dropped and the server never starts" {
  : >"$T/slow.log"
  run timeout 10 "$PY" -c '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
t = time.time()
print("eof" if s.recv(100) == b"" else "data", round(time.time() - t))' "$(port slow)"
  assert_success
  assert_output --regexp "^eof [1-3]$"
  run cat "$T/slow.log"
  assert_output --partial "handshake failed: timeout"
  refute_output --partial "proto-server: got"
}

@test "a new certificate is used by the next connection; SIGHUP does not drop a session" {
  local home=$T/hup
  mkcert "$home/tls" old.test
  start_tlsd hup "$home" -i -- "$T/proto-server" smtp
  coproc S { held_session "$(port hup)"; }
  read -r -t 10 greeting <&"${S[0]}"
  [[ $greeting == 220* ]]
  mkcert "$home/tls" new.test
  local tlsd
  tlsd=$(pgrep -P "$(cat "$T/hup.pid")" | head -1)
  kill -HUP "$tlsd"
  echo go >&"${S[1]}"
  read -r -t 10 info <&"${S[0]}"
  [[ $info == "INFO uid="*"tls=TLSv1.3"* ]]
  run bash -c "echo | timeout 10 openssl s_client -connect 127.0.0.1:$(port hup) 2>/dev/null | openssl x509 -noout -subject"
  assert_output "subject=CN = new.test"
}

@test "usage and environment errors" {
  run "$POSTA_BIN/posta-tlsd" -- /bin/true
  assert_equal "$status" 100
  run "$POSTA_BIN/posta-tlsd" -i -s -- /bin/true
  assert_equal "$status" 100
  run "$POSTA_BIN/posta-tlsd" -i
  assert_equal "$status" 100
  POSTA_HOME=$H run "$POSTA_BIN/posta-tlsd" -i -- /bin/true </dev/null
  assert_equal "$status" 100
  assert_output --partial "fd 0 is not a socket"
}

@test "as root: the key holder (-U) and the protocol server (-u) run as different users" {
  [ "$(id -u)" = 0 ] || skip "needs root"
  # the bats temp dir is private to root: nobody and daemon need a path they can traverse
  local home
  home=$(mktemp -d /tmp/posta-tlsd-split.XXXXXX)
  echo "$home" >"$T/split.dir"
  chmod 755 "$home"
  mkcert "$home/tls" split.test
  chown -R nobody "$home/tls"
  cp "$T/proto-server" "$home/proto-server"
  start_tlsd split "$home" -i -U nobody -u daemon -- "$home/proto-server" smtp
  coproc S { "$PY" -u -c '
import socket, ssl, sys
c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT); c.check_hostname = False; c.verify_mode = ssl.CERT_NONE
s = c.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1]))))
f = s.makefile("rb")
f.readline()
s.sendall(b"INFO\r\n")
print(f.readline().decode().strip())
sys.stdin.readline()' "$(port split)"; }
  read -r -t 10 info <&"${S[0]}" || { cat "$T/split.log"; false; }
  [[ $info == "INFO uid=$(id -u daemon) tls=TLSv1.3"* ]]
  local tlsd
  tlsd=$(pgrep -P "$(cat "$T/split.pid")" | head -1)
  run awk '/^Uid:/ {print $2}' "/proc/$tlsd/status"
  assert_output "$(id -u nobody)"
  echo done >&"${S[1]}"
}

@test "posta-tcpd -> posta-tlsd -i -> server (when posta-tcpd exists)" {
  [ -x "$POSTA_BIN/posta-tcpd" ] || skip "posta-tcpd not built yet"
  local p
  p=$(free_port)
  POSTA_HOME=$H "$POSTA_BIN/posta-tcpd" 127.0.0.1 "$p" "$POSTA_BIN/posta-tlsd" -i -- "$T/proto-server" smtp \
    </dev/null >/dev/null 2>"$T/tcpd.log" 3>&- &
  echo $! >"$T/tcpd.pid"
  wait_port 127.0.0.1 "$p"
  run sclient 'INFO\r\nQUIT\r\n' -connect "127.0.0.1:$p"
  assert_output --regexp "tls=TLSv1.3 .* sni="
}

@test "daemon: one posta-tlsd serves implicit TLS and STARTTLS for smtp, imap and pop3" {
  # an SMTP client must wait for the greeting: swaks does, a piped s_client would not
  run timeout 20 swaks --tls-on-connect --quit-after EHLO --server 127.0.0.1 --port "$SMTPS_PORT"
  assert_output --partial "TLS started with cipher TLSv1.3"
  assert_output --partial "<~  221 2.0.0"
  run sclient 'QUIT\r\n' -starttls smtp -connect "127.0.0.1:$SMTP_PORT"
  assert_output --partial "221 2.0.0"
  run sclient 'a LOGOUT\r\n' -connect "127.0.0.1:$IMAPS_PORT"
  assert_output --partial "a OK Logout"
  run sclient 'a LOGOUT\r\n' -starttls imap -connect "127.0.0.1:$IMAP_PORT"
  assert_output --partial "a OK Logout"
  run sclient 'QUIT\r\n' -connect "127.0.0.1:$POP3S_PORT"
  assert_output --partial "+OK posta POP3 server signing off"
  run sclient 'QUIT\r\n' -starttls pop3 -connect "127.0.0.1:$POP3_PORT"
  assert_output --partial "+OK posta POP3 server signing off"
  # the servers got SSL_* from posta-tcpd (implicit) and the control fd (STARTTLS)
  run sclient 'INFO\r\nQUIT\r\n' -connect "127.0.0.1:$(port dsmtps)" -servername b.test
  assert_output --regexp "INFO uid=[0-9]+ tls=TLSv1.3 cipher=TLS_[A-Z0-9_]+ sni=b.test"
  run sclient 'INFO\r\nQUIT\r\n' -starttls smtp -connect "127.0.0.1:$(port dsmtp)"
  assert_output --regexp "INFO uid=[0-9]+ tls=TLSv1.3"
  run pgrep -f -c "posta-tlsd -D $PH/"
  assert_output 1
  run grep -l "posta-tlsd -[is]" "$PH"/service/*/run
  assert_failure
}

@test "daemon: TLS 1.0 and 1.1 are refused, TLS 1.2 works" {
  for v in tls1 tls1_1; do
    run bash -c "echo | timeout 10 openssl s_client -$v -cipher 'DEFAULT:@SECLEVEL=0' -connect 127.0.0.1:$IMAPS_PORT 2>&1"
    assert_output --partial "Cipher is (NONE)"
  done
  run bash -c "echo | timeout 10 openssl s_client -tls1_2 -connect 127.0.0.1:$IMAPS_PORT 2>&1"
  assert_output --regexp "New, TLSv1.2, Cipher is ECDHE-"
}

# Behind posta-tcpd -T -M starttls the server holds the client socket until STARTTLS and then
# hands it to posta-tlsd: what the client sent after the command is discarded with the
# server's buffer (as Postfix does), so unlike the relayed -s case a ClientHello sent
# before the go-ahead is lost too; a client must wait for the 220 (RFC 3207).
@test "daemon: STARTTLS injection gets no answer inside TLS; the session then works" {
  run "$PY" "$FIX/inject.py" "$(port dsmtp)" rset
  assert_success
  assert_output "250 2.0.0 OK"
  run grep -c "proto-server: got RSET" "$T/dsmtp.log"
  assert_output 0
}

@test "daemon: a plain session is served on the client socket itself; tlsd joins at STARTTLS" {
  # who holds the client's TCP connection while the session is plain, and after STARTTLS
  run "$PY" - "$(port dsmtp)" <<'PYEOF'
import socket, ssl, subprocess, sys
port = int(sys.argv[1])
s = socket.create_connection(("127.0.0.1", port), timeout=10)
f = s.makefile("rb")
def reply():
    while (l := f.readline())[3:4] == b"-":
        pass
    return l.decode().strip()
def owner():
    out = subprocess.run(["ss", "-Htnp", "state", "established", "( sport = :%d )" % port],
                         capture_output=True, text=True).stdout
    return "tlsd" if "posta-tlsd" in out else "server" if "proto-server" in out else out
print(reply()[:3])
s.sendall(b"EHLO c.test\r\n"); reply()
print("plain:", owner())
s.sendall(b"STARTTLS\r\n"); print(reply()[:3])
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
t = ctx.wrap_socket(s); f = t.makefile("rb")
t.sendall(b"NOOP\r\n"); print(reply())
print("tls:", owner())
PYEOF
  assert_success
  assert_output $'220\nplain: server\n220\n250 2.0.0 OK\ntls: tlsd'
}

@test "daemon: SNI picks each domain's certificate, the default otherwise" {
  for n in a.test b.test; do
    run bash -c "echo | timeout 10 openssl s_client -servername $n -connect 127.0.0.1:$IMAPS_PORT 2>/dev/null | openssl x509 -noout -subject"
    assert_output "subject=CN = $n"
  done
  run bash -c "echo | timeout 10 openssl s_client -servername c.test -connect 127.0.0.1:$IMAPS_PORT 2>/dev/null | openssl x509 -noout -subject"
  assert_output --partial "CN = example.test"
}

@test "daemon: 50 MB in both directions at once arrive byte-identical" {
  run timeout 120 "$PY" "$FIX/bulk.py" "$(port dcat)" 50
  assert_success
  assert_output --regexp "^ok 52428800 52428800 "
}

@test "daemon: 100 concurrent sessions through one posta-tlsd" {
  run timeout 60 "$PY" - "$(port dcat)" <<'PYEOF'
import socket, ssl, sys
c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT); c.check_hostname = False; c.verify_mode = ssl.CERT_NONE
conns = [c.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=30)) for _ in range(100)]
for i, s in enumerate(conns): s.sendall(b"ping %d\n" % i)
ok = sum(1 for i, s in enumerate(conns) if s.recv(100) == b"ping %d\n" % i)
print("echoed", ok)
PYEOF
  assert_output "echoed 100"
  run grep -q "conn 100/300" "$T/dcat.log"
  assert_success
  run pgrep -f -c "posta-tlsd -D $PH/"
  assert_output 1
}

@test "daemon: SIGHUP loads a new certificate for new sessions and keeps an established one" {
  coproc S { held_session "$(port dsmtps)" a.test; }
  read -r -t 10 greeting <&"${S[0]}"
  [[ $greeting == 220* ]]
  local old new
  old=$(fingerprint "$IMAPS_PORT" a.test)
  mkcert "$PH/tls/a.test" a.test
  chown -R --reference="$PH/tls" "$PH/tls/a.test"
  s6-svc -h "$PH/service/tlsd"
  wait_for 10 grep -q "certificates reloaded" "$PH/log/tlsd/current"
  echo go >&"${S[1]}"
  read -r -t 10 info <&"${S[0]}"
  [[ $info == "INFO uid="*"tls=TLSv1.3"*"sni=a.test"* ]]
  new=$(fingerprint "$IMAPS_PORT" a.test)
  [ -n "$new" ] && [ "$new" != "$old" ]
  assert_equal "$new" "$(openssl x509 -noout -fingerprint -sha256 -in "$PH/tls/a.test/cert.pem")"
}

@test "daemon: posta-tlsd down: implicit TLS closed with a warning, STARTTLS refused (SMTP 454, POP3 -ERR, IMAP NO); all keep serving" {
  local tcpd
  tcpd=$(s6-svstat -o pid "$PH/service/imaps")
  s6-svc -d "$PH/service/tlsd"
  wait_for 10 bash -c "[ \"\$(s6-svstat -o up '$PH/service/tlsd')\" = false ]"
  run bash -c "echo | timeout 10 openssl s_client -connect 127.0.0.1:$IMAPS_PORT 2>&1"
  assert_output --partial "Cipher is (NONE)"
  wait_for 10 grep -q "closed: posta-tlsd unreachable" "$PH/log/imaps/current"
  assert_equal "$(s6-svstat -o pid "$PH/service/imaps")" "$tcpd"
  # STARTTLS: a temporary refusal before any go-ahead, and the plain session goes on
  run timeout 20 swaks --tls --quit-after TLS --server 127.0.0.1 --port "$SMTP_PORT"
  assert_output --partial "<** 454 4.7.0 TLS not available"
  refute_output --partial "220 2.0.0"
  run timeout 20 $PY -c "
import smtplib
s = smtplib.SMTP('127.0.0.1', $SMTP_PORT, timeout=10)
s.ehlo('x')
print(s.docmd('STARTTLS'))
print(s.noop())"
  assert_output --partial "(454, b'4.7.0 TLS not available due to temporary reason')"
  assert_output --partial "(250,"
  run timeout 20 $PY -c "
import poplib
p = poplib.POP3('127.0.0.1', $POP3_PORT, timeout=10)
try:
    p.stls()
except poplib.error_proto as e:
    print(e)
print(p.capa().get('STLS'))
p.quit()"
  assert_output --partial "-ERR [SYS/TEMP] TLS not available"
  assert_line "[]"
  run timeout 20 $PY -c "
import imaplib
i = imaplib.IMAP4('127.0.0.1', $IMAP_PORT, timeout=10)
print(i._simple_command('STARTTLS'))
print(i.noop()[0])
i.logout()"
  assert_output --partial "('NO', [b'[UNAVAILABLE] TLS not available"
  assert_line "OK"
  s6-svc -u "$PH/service/tlsd"
  wait_for 20 tlsd_up
  run sclient 'a LOGOUT\r\n' -connect "127.0.0.1:$IMAPS_PORT"
  assert_output --partial "a OK Logout"
}

@test "daemon: kill -9 of posta-tlsd: s6 restarts it and new connections work" {
  local old
  old=$(tlsd_pid)
  kill -9 "$old"
  wait_for 20 bash -c "[ \"\$(s6-svstat -o pid '$PH/service/tlsd')\" != '$old' ] && [ \"\$(s6-svstat -o up,ready '$PH/service/tlsd')\" = 'true true' ]"
  run sclient 'QUIT\r\n' -starttls pop3 -connect "127.0.0.1:$POP3_PORT"
  assert_output --partial "+OK posta POP3 server signing off"
  run sclient 'INFO\r\nQUIT\r\n' -connect "127.0.0.1:$(port dsmtps)"
  assert_output --partial "tls=TLSv1.3"
}

@test "daemon: handoffs from other users are refused; bad -M is a usage error" {
  run "$POSTA_BIN/posta-tcpd" -T /x -M bogus 127.0.0.1 1 /bin/true
  assert_equal "$status" 100
  run "$POSTA_BIN/posta-tcpd" -T /x 127.0.0.1 1 /bin/true
  assert_equal "$status" 100
  run "$POSTA_BIN/posta-tlsd" -D /x -i
  assert_equal "$status" 100
  [ "$(id -u)" = 0 ] || skip "needs root"
  run setpriv --reuid=nobody --regid=nogroup --clear-groups "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])' "$PH/run/tlsd.sock"
  assert_failure   # mode 0660: not even connect
  assert_output --partial "Permission denied"
  # and past the file mode, SO_PEERCRED: the connection is closed unread
  chmod 0666 "$PH/run/tlsd.sock"
  run setpriv --reuid=nobody --regid=nogroup --clear-groups "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.settimeout(10)
print("eof" if s.recv(10) == b"" else "data")' "$PH/run/tlsd.sock"
  chmod 0660 "$PH/run/tlsd.sock"
  assert_output "eof"
  wait_for 10 grep -q "refused a connection from uid $(id -u nobody)" "$PH/log/tlsd/current"
}
