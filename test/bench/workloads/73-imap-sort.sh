# SORT (DATE), SORT (SUBJECT) and THREAD REFERENCES on a 100,000-message folder
# (BENCH_SCALE=small: 2,000) of threaded mail, each on a fresh connection once each server's
# caches exist: posta-imapd vs Dovecot on the same Maildir, in ms (the sum of the three; each
# is also reported as a figure). Both answers are checked to be the same.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/posta.sh"
. "$(dirname "$0")/../lib/dovecot.sh"
N=$(scale 2000 100000)
measure() {  # measure PORT USER LABEL
  PYTHONPATH=$BENCH_LIB $PY - "$1" "$2" "$3" "$N" "$BENCH_WORK/sort-answers.$3" <<'PY'
import hashlib, sys
from imap_client import Client
port, user, label, n, answers = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
total, digest = 0.0, hashlib.sha256()
for cmd in ('SORT (DATE) UTF-8 ALL', 'SORT (SUBJECT) UTF-8 ALL', 'THREAD REFERENCES UTF-8 ALL'):
    c = Client(port)
    c.cmd('LOGIN "%s" bench' % user)
    out = c.cmd('SELECT INBOX')
    assert b'* %d EXISTS' % n in out, out
    ms, out = c.timed(cmd)
    line = [l for l in out.split(b'\r\n') if l.startswith(b'* SORT') or l.startswith(b'* THREAD')]
    assert line and line[0].count(b' ') >= n // 2, out[-200:]
    digest.update(line[0].rstrip())
    c.cmd('LOGOUT')
    total += ms
    sys.stderr.write('figure: %s_%s %.1f ms\n' % (label, cmd.split()[0].lower() + '_' + cmd.split()[1].strip('()').lower(), ms))
with open(answers, 'w') as f:
    f.write(digest.hexdigest() + '\n')
print('%.1f' % total)
PY
}
same_answers() {  # the posta and Dovecot answers of the last rounds are the same
  cmp -s "$BENCH_WORK/sort-answers.posta" "$BENCH_WORK/sort-answers.dovecot" || {
    echo "bench: warning: imap-sort: posta's and Dovecot's SORT/THREAD answers differ" >&2; }
}
case $1 in
  check) [ -x "$POSTA_BIN/posta-imapd" ] && command -v dovecot ;;
  setup)
    posta_bench_setup || exit 1
    md=$PH/mail/bench.test/user8
    $PY - "$md" "$N" <<'PY' || exit 1
import os, random, sys, time
md, n = sys.argv[1], int(sys.argv[2])
r = random.Random(5256)
topics = ['topic %d' % k for k in range(n // 20 + 1)]
days = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']
for i in range(n):
    t = 1600000000 + i * 60 + r.randrange(3600)
    topic = r.randrange(len(topics))
    refs = ''
    if i >= 20 and r.random() < 0.7:
        # a reply to a recent message: its References and one more id
        p = i - r.randrange(1, 20)
        refs = 'References: %s<%d@bench>\n' % (''.join('<%d@bench> ' % q for q in range(max(0, p - 3), p)), p)
    subject = ('Re: ' if refs else '') + topics[topic]
    tm = time.gmtime(t)
    date = '%s, %d %s %d %02d:%02d:%02d +0000' % (days[tm.tm_wday], tm.tm_mday, time.strftime('%b', tm),
                                                tm.tm_year, tm.tm_hour, tm.tm_min, tm.tm_sec)
    data = 'From: a%d@example.org\nTo: list@example.org\nSubject: %s\nDate: %s\nMessage-ID: <%d@bench>\n%s\nbody %d\n' % (
        r.randrange(500), subject, date, i, refs, i)
    name = '%d.M%dP1.bench,S=%d:2,S' % (1700000000 + i, i, len(data))
    with open(os.path.join(md, 'cur', name), 'w') as f:
        f.write(data)
PY
    touch -d '-1 min' "$md/new" "$md/cur"  # a settled folder: the cache may be trusted
    chown -R "$(stat -c %U "$PH")" "$md"
    dovecot_setup "$md" "$(free_port)" "$(free_port)" || exit 1
    # the first SORT/THREAD of each server builds its caches
    measure "$IMAP_PORT" user8@bench.test posta-first 2>&1 | sed 's/^figure: /&setup /' >&2
    port=$(sed -n '/inet_listener imap {/,/}/s/ *port = //p' "$DV/dovecot.conf")
    measure "$port" bench dovecot-first 2>&1 | sed 's/^figure: /&setup /' >&2 ;;
  posta) r=$(measure "$IMAP_PORT" user8@bench.test posta) && echo "$r ms $(peak_kb $(posta_pids))" ;;
  peer)
    port=$(sed -n '/inet_listener imap {/,/}/s/ *port = //p' "$DV/dovecot.conf")
    r=$(measure "$port" bench dovecot) && same_answers && echo "$r ms $(peak_kb $(dovecot_pids))" ;;
  teardown) dovecot_stop; posta_bench_stop ;;
esac
