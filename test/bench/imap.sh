#!/bin/bash
# IMAP benchmarks for posta-imapd (make bench). Prints "name value unit" lines.
#  - a 100,000-message folder (N=...): SELECT, UID FETCH 1:* (UID FLAGS), SEARCH on a header,
#    first open (index build) and second open (index exists)
#  - the same Maildir served by Dovecot's imapd when it is installed (/usr/lib/dovecot/imap)
# Everything runs over a pipe (IMAP4_stream / PREAUTH), so only the server is measured.
set -eu
BIN=${POSTA_BIN:-$(cd "$(dirname "$0")/../.." && pwd)/build/bin}
N=${N:-100000}
T=$(mktemp -d /tmp/imap-bench.XXXXXX)
trap 'rm -rf "$T"' EXIT
md=$T/Maildir
mkdir -p "$md"/{new,cur,tmp}
/usr/bin/python3 - "$md" "$N" <<'PY'
import os, sys
md, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    name = '%d.M%dP1.bench,S=%d:2,%s' % (1700000000 + i, i, 120 + len(str(i)), 'S' if i % 3 else '')
    with open(os.path.join(md, 'cur', name), 'w') as f:
        f.write('From: a%d@example.org\nSubject: message %d\nMessage-ID: <%d@bench>\n\nbody %d\n' % (i, i, i, i))
PY
run_server() {  # run_server LABEL COMMAND...
  local label=$1; shift
  /usr/bin/python3 - "$label" "$@" <<'PY'
import imaplib, sys, time, os
label, cmd = sys.argv[1], ' '.join(sys.argv[2:])
def timed(f):
    t = time.perf_counter(); r = f(); return (time.perf_counter() - t) * 1000, r
for rnd in ('first', 'second'):
    m = imaplib.IMAP4_stream(cmd)
    ms, r = timed(lambda: m.select('INBOX'))
    assert r[0] == 'OK', r
    print('%s_select_%s %.1f ms' % (label, rnd, ms))
    if rnd == 'second':
        ms, r = timed(lambda: m.uid('fetch', '1:*', '(UID FLAGS)'))
        assert r[0] == 'OK' and len(r[1]) > 1000, r[0]
        print('%s_uid_fetch_flags %.1f ms' % (label, ms))
        ms, r = timed(lambda: m.search(None, 'HEADER', 'Message-ID', '<77777@bench>'))
        print('%s_search_header %.1f ms' % (label, ms))
    m.logout()
PY
}
export MAILDIR=$md USER=bench
run_server posta "$BIN/posta-imapd --post-auth" 2>/dev/null
if [ -x /usr/lib/dovecot/imap ]; then
  # Dovecot reads its mail location from MAIL; -c /dev/null style config via env is not
  # possible, so a minimal config file is written.
  cat >"$T/dovecot.conf" <<CONF
mail_location = maildir:$T/dmd
ssl = no
log_path = $T/dovecot.log
CONF
  cp -a "$md" "$T/dmd"
  MAIL=maildir:$T/dmd run_server dovecot "/usr/lib/dovecot/imap -c $T/dovecot.conf" 2>/dev/null || echo "dovecot_failed 1 flag"
fi
