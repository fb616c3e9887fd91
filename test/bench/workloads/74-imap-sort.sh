# SORT (DATE), SORT (SUBJECT) and THREAD REFERENCES on a 100,000-message folder
# (BENCH_SCALE=small: 1,000) of threaded mail, each on a fresh connection once each server's
# caches exist: posta-imapd vs Dovecot on the same Maildir, in ms (the sum of the three; each
# is also reported as a figure). The SORT answers of both are checked to be the same; the
# THREAD ones are not: on this corpus Dovecot 2.3 links about 1% of the messages under another
# parent than RFC 5256 3 step 1 gives (a References chain re-linking a message that has a
# parent already), which posta's test against Dovecot's answers (imapd-condstore.bats) does
# not meet on its smaller corpus.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/posta.sh"
. "$(dirname "$0")/../lib/dovecot.sh"
N=$(scale 1000 100000)
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
    if cmd.startswith('SORT'):
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
    md=$PH/mail/bench.test/user10
    $PY "$BENCH_LIB/sort_corpus.py" "$md" "$N" || exit 1
    dovecot_serve_settled "$md" || exit 1
    # the first SORT/THREAD of each server builds its caches
    measure "$IMAP_PORT" user10@bench.test posta-first 2>&1 | setup_figures
    measure "$(dovecot_imap_port)" bench dovecot-first 2>&1 | setup_figures ;;
  posta) r=$(measure "$IMAP_PORT" user10@bench.test posta) && echo "$r ms $(peak_kb $(posta_pids))" ;;
  peer)
    r=$(measure "$(dovecot_imap_port)" bench dovecot) && same_answers && echo "$r ms $(peak_kb $(dovecot_pids))" ;;
  teardown) dovecot_stop; posta_bench_stop ;;
esac
