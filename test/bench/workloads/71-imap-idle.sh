# Memory per idle logged-in IMAPS connection: 200 connections (BENCH_SCALE=small: 30) log in
# and select INBOX, then the PSS of every process serving them (the whole supervision tree
# of the posta instance, tlsd included; Dovecot's master and all its children) is measured.
# The value is the growth over the idle servers divided by the connections (KB per
# connection); the total divided by the connections is reported as a figure. Connections
# come from several loopback addresses (posta-tcpd limits connections per address). The
# user, idle@bench.test, has a cheap SHA-256 crypt hash on both sides: the logins are not
# what is measured, and 2 x 200 yescrypt checks a round took about a minute.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/posta.sh"
. "$(dirname "$0")/../lib/dovecot.sh"
N=$(scale 30 200)
hold() {  # hold PORT USER LABEL ROOT_PID...
  PYTHONPATH=$BENCH_LIB $PY - "$N" "$@" <<'PY'
import socket, ssl, sys, time
from pss import pss_kb
n, port, user, label, roots = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5:]
before = pss_kb(roots)
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
conns = []
def send(s, line):
    s.sendall(line + b"\r\n")
    buf = b""
    while not (b"\r\na " in b"\r\n" + buf and buf.endswith(b"\r\n")):
        d = s.recv(65536)
        if not d: raise EOFError("connection %d closed" % len(conns))
        buf += d
    if b"a OK" not in buf: raise RuntimeError(buf[-200:])
for i in range(n):
    raw = socket.create_connection(("127.0.0.1", port), timeout=30,
                                   source_address=("127.0.1.%d" % (1 + i % 8), 0))
    s = ctx.wrap_socket(raw)
    while not s.recv(4096).endswith(b"\r\n"): pass
    send(s, b'a LOGIN "%s" bench' % user.encode())
    send(s, b"a SELECT INBOX")
    conns.append(s)
time.sleep(1)  # let the servers settle (freed buffers, finished handshakes)
after = pss_kb(roots)
for s in conns:  # every connection must still be alive
    send(s, b"a NOOP")
for s in conns: s.close()
sys.stderr.write("figure: %s_pss_total_per_conn %.0f KB\n" % (label, after / n))
print("%.0f %.0f" % ((after - before) / n, after))  # per connection; the total is the peak
PY
}
case $1 in
  check) [ -x "$POSTA_BIN/posta-imapd" ] && command -v dovecot && command -v openssl ;;
  setup)
    posta_bench_setup || exit 1
    md=$PH/mail/bench.test/idle
    for i in $(seq 1 20); do
      printf 'From: a@bench.test\nSubject: m%s\n\nhello %s\n' "$i" "$i" >"$md/cur/$i.idle:2,S"
    done
    chown -R "$(stat -c %U "$PH")" "$md"
    DOVECOT_PASSWORD="{CRYPT}$(posta_cheap_hash)" dovecot_setup "$md" "$(free_port)" "$(free_port)" "$(free_port)" ;;
  posta)
    r=$(hold "$IMAPS_PORT" idle@bench.test posta $(posta_pids)) && set -- $r && echo "$1 KB/conn $2" ;;
  peer)
    port=$(sed -n '/inet_listener imaps {/,/}/s/ *port = //p' "$DV/dovecot.conf")
    r=$(hold "$port" bench dovecot $(dovecot_pids)) && set -- $r && echo "$1 KB/conn $2" ;;
  teardown) dovecot_stop; posta_bench_stop ;;
esac
