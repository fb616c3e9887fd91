# A mixed IMAP workload from 8 parallel clients on one 1,000-message mailbox (BENCH_SCALE=
# small: 4 clients, 300 messages): each session logs in, selects INBOX, fetches the headers
# of 20 messages and 3 whole bodies, searches (FROM, UNSEEN), stores flags, appends a message,
# marks it deleted and expunges it, logs out. posta-imapd vs Dovecot on the same Maildir
# (user5's); IMAP commands per second.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/posta.sh"
. "$(dirname "$0")/../lib/dovecot.sh"
N=$(scale 300 1000)
CLIENTS=$(scale 4 8)
SESSIONS=$(scale 3 15)  # per client
mixed() {  # mixed PORT USER
  PYTHONPATH=$BENCH_LIB $PY - "$1" "$2" "$N" "$CLIENTS" "$SESSIONS" <<'PY'
import multiprocessing, random, sys, time
from imap_client import Client
port, user, n, clients, sessions = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
MSG = b"From: mixed@bench.test\r\nTo: user5@bench.test\r\nSubject: mixed\r\n\r\n" + b"x" * 2000 + b"\r\n"
def client(seed):
    rnd, ops = random.Random(seed), 0
    for _ in range(sessions):
        c = Client(port)
        c.cmd('LOGIN "%s" bench' % user)
        c.cmd("SELECT INBOX")
        lo = rnd.randint(1, n - 20)
        c.cmd("FETCH %d:%d (UID FLAGS BODY.PEEK[HEADER.FIELDS (FROM SUBJECT DATE)])" % (lo, lo + 19))
        for _ in range(3):
            c.cmd("FETCH %d BODY[]" % rnd.randint(1, n))
        c.cmd("SEARCH FROM a%d@" % rnd.randint(1, n))
        c.cmd("SEARCH UNSEEN")
        c.cmd("STORE %d:%d +FLAGS (\\Flagged)" % (lo, lo + 4))
        c.cmd("STORE %d:%d -FLAGS (\\Flagged)" % (lo, lo + 4))
        out = c.cmd("APPEND INBOX (\\Seen)", MSG)
        uid = out.split(b"APPENDUID ")[1].split(b" ")[1].rstrip(b"]")
        c.cmd("UID STORE %s +FLAGS.SILENT (\\Deleted)" % uid.decode())
        c.cmd("UID EXPUNGE %s" % uid.decode())
        c.cmd("LOGOUT")
        ops += 15
    return ops
t0 = time.monotonic()
with multiprocessing.Pool(clients) as pool:
    total = sum(pool.map(client, range(clients)))
print("%.1f" % (total / (time.monotonic() - t0)))
PY
}
case $1 in
  check) [ -x "$POSTA_BIN/posta-imapd" ] && command -v dovecot ;;
  setup)
    posta_bench_setup || exit 1
    md=$PH/mail/bench.test/user5
    body=$(head -c 3000 /dev/urandom | base64 -w 76)
    for i in $(seq 1 "$N"); do
      flags=S; [ $((i % 3)) = 0 ] && flags=   # every third message unseen
      printf 'From: a%s@bench.test\nTo: user5@bench.test\nSubject: m%s\nDate: Mon, 1 Jan 2024 10:00:00 +0000\n\n%s\n' \
        "$i" "$i" "$body" >"$md/cur/$i.mixed:2,$flags"
    done
    chown -R "$(stat -c %U "$PH")" "$md"
    DOVECOT_PASSWORD="{CRYPT}$(posta_password_hash)" dovecot_setup "$md" "$(free_port)" "$(free_port)" ;;
  posta) r=$(mixed "$IMAP_PORT" user5@bench.test) && echo "$r ops/s $(peak_kb $(posta_pids))" ;;
  peer)
    port=$(sed -n '/inet_listener imap {/,/}/s/ *port = //p' "$DV/dovecot.conf")
    r=$(mixed "$port" bench) && echo "$r ops/s $(peak_kb $(dovecot_pids))" ;;
  teardown) dovecot_stop; posta_bench_stop ;;
esac
