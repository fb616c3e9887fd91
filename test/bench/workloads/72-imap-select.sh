# SELECT + UID FETCH 1:* (UID FLAGS) on a 100,000-message folder (BENCH_SCALE=small: 2,000)
# once each server's cache or index exists: posta-imapd vs Dovecot on the same Maildir, in ms.
# SELECT, FETCH and a SEARCH on a header field are also reported as separate figures.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/posta.sh"
. "$(dirname "$0")/../lib/dovecot.sh"
N=$(scale 2000 100000)
measure() {  # measure PORT USER LABEL
  PYTHONPATH=$BENCH_LIB $PY - "$1" "$2" "$3" "$N" <<'PY'
import sys
from imap_client import Client
port, user, label, n = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
c = Client(port)
c.cmd('LOGIN "%s" bench' % user)
sel, out = c.timed("SELECT INBOX")
assert b"* %d EXISTS" % n in out, out
fetch, out = c.timed("UID FETCH 1:* (UID FLAGS)")
assert out.count(b"FETCH (") >= n, out[-200:]
search, out = c.timed("SEARCH HEADER Message-ID <%d@bench>" % (n // 2))
assert b"* SEARCH %d\r\n" % (n // 2 + 1) in out, out
c.cmd("LOGOUT")
sys.stderr.write("figure: %s_select %.1f ms\nfigure: %s_uid_fetch_flags %.1f ms\nfigure: %s_search_header %.1f ms\n"
                 % (label, sel, label, fetch, label, search))
print("%.1f" % (sel + fetch))
PY
}
case $1 in
  check) [ -x "$POSTA_BIN/posta-imapd" ] && command -v dovecot ;;
  setup)
    posta_bench_setup || exit 1
    md=$PH/mail/bench.test/user7
    $PY - "$md" "$N" <<'PY' || exit 1
import os, sys
md, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    name = '%d.M%dP1.bench,S=%d:2,%s' % (1700000000 + i, i, 120 + len(str(i)), 'S' if i % 3 else '')
    with open(os.path.join(md, 'cur', name), 'w') as f:
        f.write('From: a%d@example.org\nSubject: message %d\nMessage-ID: <%d@bench>\n\nbody %d\n' % (i, i, i, i))
PY
    dovecot_serve_settled "$md" || exit 1
    # the first open of each server builds its cache or index
    measure "$IMAP_PORT" user7@bench.test posta-first 2>&1 | setup_figures
    measure "$(dovecot_imap_port)" bench dovecot-first 2>&1 | setup_figures ;;
  posta) r=$(measure "$IMAP_PORT" user7@bench.test posta) && echo "$r ms $(peak_kb $(posta_pids))" ;;
  peer)
    r=$(measure "$(dovecot_imap_port)" bench dovecot) && echo "$r ms $(peak_kb $(dovecot_pids))" ;;
  teardown) dovecot_stop; posta_bench_stop ;;
esac
