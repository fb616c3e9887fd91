# Memory per hibernated IDLE session: N sessions (BENCH_SCALE=small: 30; full: 200;
# BENCH_IDLE_SESSIONS=10000 for the issue's figure) log in over plain IMAP, select INBOX and
# enter IDLE; once their servers have hibernated (posta: control/imaphibernatetimeout 1,
# posta-imap-hibernate holds them; Dovecot: imap_hibernate_timeout 1s, its imap-hibernate
# process holds them; BENCH_IDLE_DOVECOT_HIBERNATE=0 measures Dovecot without), the PSS of
# every process of the server (posta: the whole supervision tree of the instance; Dovecot:
# its master and all children) is measured. The value is the growth over the idle servers
# divided by the sessions (KB per session); the total divided by the sessions is a figure.
# Sessions are opened in batches that posta-tcpd's limits allow (500 at once, 50 per
# address: a batch waits for the previous one to hibernate), from 127.0.1.1-127.0.1.250.
# Every 50th session and the last are then woken with DONE and checked for the tagged OK.
# 10,000 sessions need ulimit -n above 10,000 for the client and both daemons: the
# workload raises the limits of the server processes with prlimit (run as root).
# Known: with 2,000 or 10,000 sessions Dovecot 2.3.19 left about 300 imap processes that
# never hibernated within 60 s, and its side fails (cause not yet found; 30 work).
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/posta.sh"
. "$(dirname "$0")/../lib/dovecot.sh"
N=${BENCH_IDLE_SESSIONS:-$(scale 30 200)}
hold() {  # hold PORT USER LABEL SERVER_PROCESS_NAME ROOT_PID...
  ulimit -n "$(ulimit -Hn)"
  PYTHONPATH=$BENCH_LIB $PY - "$N" "$@" <<'PY'
import os, socket, sys, time
from pss import pss_kb, descendants
n, port, user, label, server, roots = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6:]
def servers():  # per-session server processes still running
    k = 0
    for p in descendants(roots):
        try:
            if open("/proc/%d/comm" % p).read().strip() == server: k += 1
        except OSError: pass
    return k
def wait_hibernated(limit):
    if not server: return  # a server that does not hibernate
    end = time.time() + 60
    while servers() > limit:
        if time.time() > end: raise RuntimeError("%d %s processes still running" % (servers(), server))
        time.sleep(0.1)
class Conn:
    def __init__(self, i):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=60, source_address=("127.0.1.%d" % (1 + i % 250), 0))
        self.buf = b""
        self.line()
    def line(self):
        while b"\r\n" not in self.buf:
            d = self.s.recv(65536)
            if not d: raise EOFError("connection closed")
            self.buf += d
        l, self.buf = self.buf.split(b"\r\n", 1)
        return l
    def cmd(self, text):
        self.s.sendall(b"a " + text + b"\r\n")
        while True:
            l = self.line()
            if l.startswith(b"a "):
                if not l.startswith(b"a OK"): raise RuntimeError(l)
                return
before = pss_kb(roots)
conns, batch = [], 400
t0 = time.time()
for i in range(n):
    c = Conn(i)
    c.cmd(b'LOGIN "%s" bench' % user.encode())
    c.cmd(b"SELECT INBOX")
    c.s.sendall(b"a IDLE\r\n")
    if not c.line().startswith(b"+"): raise RuntimeError("no IDLE")
    conns.append(c)
    if len(conns) % batch == 0: wait_hibernated(batch // 4)
wait_hibernated(0)
opened = time.time() - t0
time.sleep(1)  # let the servers settle
after = pss_kb(roots)
for c in conns[::50] + [conns[-1]]:  # sessions still there: woken, they answer
    c.s.sendall(b"DONE\r\n")
    while not c.line().startswith(b"a OK"): pass
for c in conns: c.s.close()
sys.stderr.write("figure: %s_pss_total_per_session %.1f KB (%d sessions)\n" % (label, after / n, n))
sys.stderr.write("figure: %s_pss_total %.0f MB (%d sessions)\n" % (label, after / 1024, n))
sys.stderr.write("figure: %s_sessions_opened_per_s %.0f\n" % (label, n / opened))
print("%.1f %.0f" % ((after - before) / n, after))
PY
}
raise_limits() { local p; for p in "$@"; do prlimit --pid "$p" --nofile=1048576:1048576 2>/dev/null; done; true; }
case $1 in
  check) [ -x "$POSTA_BIN/posta-imap-hibernate" ] && command -v dovecot && [ -x /usr/lib/dovecot/imap-hibernate ] ;;
  setup)
    posta_bench_setup || exit 1
    echo 1 >"$PH/control/imaphibernatetimeout"
    md=$PH/mail/bench.test/idle
    for i in $(seq 1 20); do
      printf 'From: a@bench.test\nSubject: m%s\n\nhello %s\n' "$i" "$i" >"$md/cur/$i.hib:2,S"
    done
    chown -R "$(stat -c %U "$PH")" "$md"
    limit=$((N + 1000))
    hib="imap_hibernate_timeout = 1s
service imap-hibernate {
  unix_listener imap-hibernate {
    mode = 0666
  }
}
service imap {
  unix_listener imap-master {
    mode = 0666
  }
}"
    [ "${BENCH_IDLE_DOVECOT_HIBERNATE:-1}" = 0 ] && hib=
    DOVECOT_EXTRA="default_process_limit = $limit
default_client_limit = $((2 * limit))
default_vsz_limit = 0
protocol imap {
  mail_max_userip_connections = $limit
}
$hib" DOVECOT_PASSWORD="{CRYPT}$(posta_cheap_hash)" dovecot_setup "$md" "$(free_port)" "$(free_port)" ;;
  posta)
    raise_limits $(ps -e -o pid= -o args= | awk -v h="$PH/" 'index($0, h) {print $1}')
    r=$(hold "$IMAP_PORT" idle@bench.test posta posta-imapd $(posta_pids)) && set -- $r && echo "$1 KB/session $2" ;;
  peer)
    raise_limits $(dovecot_pids)
    srv=imap; [ "${BENCH_IDLE_DOVECOT_HIBERNATE:-1}" = 0 ] && srv=
    r=$(hold "$(dovecot_imap_port)" bench dovecot "$srv" $(dovecot_pids)) && set -- $r && echo "$1 KB/session $2" ;;
  teardown) rm -f "$PH/control/imaphibernatetimeout"; dovecot_stop; posta_bench_stop ;;
esac
