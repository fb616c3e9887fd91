#!/usr/bin/env bats
# posta-imapd's CONDSTORE and QRESYNC (RFC 7162), ESEARCH and SEARCHRES, and the other
# extensions of issue 22, through Python's imaplib on "posta-imapd --post-auth" over a pipe:
# one process per session, several sessions on one Maildir, as in imapd-conformance.bats.

load ../lib/imapd_pipe

@test "CONDSTORE: capability, ENABLE answers ENABLED, HIGHESTMODSEQ on SELECT and STATUS, MODSEQ fetch item" {
  conf <<'PY'
m = session()
deliver(3)
capable(m, 'CONDSTORE', 'QRESYNC', 'ENABLE')
t, u = ok(m, 'ENABLE CONDSTORE')
expect(u == ['* ENABLED CONDSTORE'], 'ENABLE CONDSTORE', u)
t, u = ok(m, 'ENABLE CONDSTORE X-UNKNOWN')
expect(u == ['* ENABLED'], 'ENABLE twice lists nothing new', u)
t, u = ok(m, 'SELECT INBOX')
h = highest(u)
expect(h and h > 1, 'HIGHESTMODSEQ on SELECT', u)
t, u = ok(m, 'FETCH 1:* (UID MODSEQ)')
ms = modseqs(u)
expect(len(ms) == 3 and max(ms.values()) == h and min(ms.values()) > 0, 'MODSEQ per message', u)
t, u = ok(m, 'STATUS INBOX (HIGHESTMODSEQ MESSAGES)')
expect(u == ['* STATUS "INBOX" (HIGHESTMODSEQ %d MESSAGES 3)' % h], 'STATUS HIGHESTMODSEQ', u)
t, u = ok(m, 'STORE 2 +FLAGS (\\Flagged)')
expect(re.match(r'\* 2 FETCH \(FLAGS \(\\Flagged( \\Recent)?\) MODSEQ \((\d+)\)\)', u[0]), 'STORE reports MODSEQ', u)
new = int(re.search(r'MODSEQ \((\d+)\)', u[0]).group(1))
expect(new > h, 'a flag change raises the modseq', (new, h))
t, u = ok(m, 'STORE 2 +FLAGS.SILENT (\\Seen)')
expect(len(u) == 1 and re.match(r'\* 2 FETCH \(MODSEQ \(\d+\)\)$', u[0]), '.SILENT still reports MODSEQ', u)
t, u = ok(m, 'SEARCH MODSEQ %d' % (new + 1))
expect(re.match(r'\* SEARCH 2 \(MODSEQ \d+\)$', u[0]), 'SEARCH MODSEQ', u)
t, u = ok(m, 'SEARCH MODSEQ "/flags/\\\\draft" all 1')
expect(re.match(r'\* SEARCH 1 2 3 \(MODSEQ \d+\)$', u[0]), 'SEARCH MODSEQ with an entry', u)
t, u = ok(m, 'SEARCH MODSEQ 9000000000000000000')
expect(u == ['* SEARCH'], 'SEARCH MODSEQ nothing', u)
# Without CONDSTORE enabled a session's FETCH answers carry no MODSEQ it did not ask for.
m2 = session()
t, u = ok(m2, 'SELECT INBOX')
expect(highest(u), 'HIGHESTMODSEQ on every SELECT', u)
t, u = ok(m2, 'STORE 3 +FLAGS (\\Answered)')
expect('MODSEQ' not in u[0], 'no MODSEQ before CONDSTORE', u)
# A CONDSTORE-enabling command while selected announces HIGHESTMODSEQ once.
t, u = ok(m2, 'FETCH 1 (MODSEQ)')
expect(any(l.startswith('* OK [HIGHESTMODSEQ ') for l in u), 'HIGHESTMODSEQ on enabling', u)
t, u = ok(m2, 'FETCH 1 (MODSEQ)')
expect(not any('HIGHESTMODSEQ' in l for l in u), 'announced once', u)
print('ok')
PY
}

@test "CONDSTORE: a flag change in session A is seen by B with CHANGEDSINCE and as unsolicited FETCH MODSEQ" {
  conf <<'PY'
deliver(5)
a, b = session(), session()
ok(a, 'ENABLE CONDSTORE'); ok(b, 'ENABLE CONDSTORE')
h0 = highest(ok(a, 'SELECT INBOX')[1])
expect(highest(ok(b, 'SELECT INBOX')[1]) == h0, 'same HIGHESTMODSEQ in both')
t, u = ok(b, 'UID FETCH 1:* (FLAGS) (CHANGEDSINCE %d)' % h0)
expect(u == [], 'nothing changed yet', u)
ok(a, 'UID STORE 2,4 +FLAGS (\\Flagged)')
t, u = ok(b, 'UID FETCH 1:* (FLAGS) (CHANGEDSINCE %d)' % h0)
fetched = [l for l in u if 'FETCH' in l and 'Flagged' in l]
expect(sorted(modseqs(fetched)) == [2, 4] and all(v > h0 for v in modseqs(fetched).values()),
       'CHANGEDSINCE returns exactly the changed ones with MODSEQ', u)
# The unsolicited FETCH of a NOOP carries MODSEQ too.
ok(a, 'UID STORE 5 +FLAGS (\\Seen)')
t, u = ok(b, 'NOOP')
expect(any(re.match(r'\* 5 FETCH \(UID 5 FLAGS \(\\Seen\) MODSEQ \(\d+\)\)', l) for l in u), 'NOOP FETCH MODSEQ', u)
# A rename by a program that knows nothing of posta-modseq gets a new modseq when noticed.
h1 = highest(ok(b, 'STATUS INBOX (HIGHESTMODSEQ)')[1])
cur = os.path.join(MD, 'cur')
name = [n for n in os.listdir(cur) if not n.endswith('F') and 'S' not in n.split(':2,')[1]][0]
os.rename(os.path.join(cur, name), os.path.join(cur, name.split(':2,')[0] + ':2,D'))
t, u = ok(b, 'NOOP')
ch = modseqs(u)
expect(len(ch) == 1 and list(ch.values())[0] > h1, 'outside rename noticed with a new modseq', u)
t, u = ok(a, 'UID FETCH 1:* (FLAGS) (CHANGEDSINCE %d)' % h1)
expect(modseqs(u) == ch, 'the other session sees the same modseq', (u, ch))
print('ok')
PY
}

@test "CONDSTORE: STORE UNCHANGEDSINCE answers MODIFIED for what changed since, and changes the rest" {
  conf <<'PY'
a, b = session(), session()
deliver(4)
ok(a, 'SELECT INBOX'); ok(b, 'SELECT INBOX')
t, u = ok(a, 'UID FETCH 1:* (MODSEQ)')
ms = modseqs(u)
ok(b, 'UID STORE 3 +FLAGS (\\Deleted)')
t, u = ok(a, 'UID STORE 1:4 (UNCHANGEDSINCE %d) +FLAGS (\\Flagged)' % max(ms.values()))
expect('[MODIFIED 3]' in t, 'MODIFIED names UID 3', (t, u))
t, u = ok(a, 'UID FETCH 1:4 (FLAGS)')
flagged = [l for l in u if 'Flagged' in l]
expect(len(flagged) == 3 and not any('UID 3 ' in l for l in flagged), 'UID 3 unchanged, the rest flagged', u)
t, u = ok(a, 'STORE 1,2 (UNCHANGEDSINCE 0) +FLAGS.SILENT (\\Seen)')
expect('[MODIFIED 1:2]' in t and not any('Seen' in l for l in u), 'UNCHANGEDSINCE 0 always fails', (t, u))
# Malformed modifiers: BAD, and the session goes on.
all_bad(a, ('UID STORE 1 (UNCHANGEDSINCE) +FLAGS (\\Seen)', 'UID STORE 1 (UNCHANGEDSINCE -1) +FLAGS (\\Seen)',
            'UID STORE 1 (UNCHANGEDSINCE 9223372036854775808) +FLAGS (\\Seen)',
            'UID STORE 1 (UNCHANGEDSINCE 99999999999999999999999) +FLAGS (\\Seen)',
            'UID STORE 1 (CHANGEDSINCE 1) +FLAGS (\\Seen)', 'UID STORE 1 (UNCHANGEDSINCE 1 +FLAGS (\\Seen)',
            'UID FETCH 1 (FLAGS) (CHANGEDSINCE)', 'UID FETCH 1 (FLAGS) (CHANGEDSINCE x)',
            'UID FETCH 1 (FLAGS) (CHANGEDSINCE 1 CHANGEDSINCE 2)', 'UID FETCH 1 (FLAGS) (VANISHED)',
            'UID FETCH 1 (FLAGS) (CHANGEDSINCE 1 VANISHED)', 'FETCH 1 (FLAGS) (CHANGEDSINCE 1',
            'UID FETCH 1 (FLAGS) (FOO 1)', 'UID FETCH 1 (FLAGS) ()', 'SEARCH MODSEQ', 'SEARCH MODSEQ x',
            'SEARCH MODSEQ "/flags/\\\\seen" bogus 1', 'SEARCH MODSEQ 9223372036854775808'))
print('ok')
PY
}

@test "modseqs survive a restart: new processes, a cache rebuilt, the same MODSEQ and HIGHESTMODSEQ" {
  conf <<'PY'
deliver(3)
a = session()
ok(a, 'SELECT INBOX')
ok(a, 'STORE 1:2 +FLAGS (\\Seen)')
t, u = ok(a, 'UID FETCH 1:* (MODSEQ)')
before, h = modseqs(u), highest(ok(a, 'STATUS INBOX (HIGHESTMODSEQ)')[1])
a.logout()
for cache in ('', 'posta-index.cache'):
    if cache and os.path.exists(os.path.join(MD, cache)):
        os.unlink(os.path.join(MD, cache))
    b = session()
    t, u = ok(b, 'SELECT INBOX')
    expect(highest(u) == h, 'HIGHESTMODSEQ after a restart ' + cache, (u, h))
    t, u = ok(b, 'UID FETCH 1:* (MODSEQ)')
    expect(modseqs(u) == before, 'MODSEQs after a restart ' + cache, (u, before))
    b.logout()
# A change after the restart still goes up.
c = session()
ok(c, 'SELECT INBOX')
t, u = ok(c, 'UID STORE 3 +FLAGS (\\Flagged MODSEQTEST)')
t, u = ok(c, 'UID FETCH 3 (MODSEQ)')
expect(modseqs(u)[3] > h, 'higher after restart', u)
print('ok')
PY
}

@test "QRESYNC: SELECT (QRESYNC ...) after flag changes and expunges in another session; VANISHED instead of EXPUNGE" {
  conf <<'PY'
a = session()
deliver(8)
t, u = raw(a, 'SELECT INBOX (QRESYNC (1 1))')
expect(t.startswith('BAD'), 'QRESYNC before ENABLE QRESYNC is BAD', t)
t, u = ok(a, 'ENABLE QRESYNC')
expect(u == ['* ENABLED QRESYNC'], 'ENABLE QRESYNC', u)
t, u = ok(a, 'SELECT INBOX')
v, h = int(re.search(r'UIDVALIDITY (\d+)', ' '.join(u)).group(1)), highest(u)
a.logout()
# Another session changes flags and expunges while the client is away.
b = session()
ok(b, 'SELECT INBOX')
ok(b, 'UID STORE 2,3,7 +FLAGS (\\Deleted)')
ok(b, 'UID STORE 5 +FLAGS (\\Flagged)')
ok(b, 'UID EXPUNGE 2,3')  # 7 stays \Deleted
c = session()
ok(c, 'ENABLE QRESYNC')
t, u = ok(c, 'SELECT INBOX (QRESYNC (%d %d 1:8))' % (v, h))
van = [l for l in u if l.startswith('* VANISHED')]
expect(van == ['* VANISHED (EARLIER) 2:3'], 'VANISHED (EARLIER) of the expunged', u)
ch = modseqs(u)
expect(sorted(ch) == [5, 7] and all(x > h for x in ch.values()), 'FETCH of the changed ones', u)
expect(any('UID 5 FLAGS (\\Flagged)' in l for l in u), 'with FLAGS', u)
expect(u.index(van[0]) < min(i for i, l in enumerate(u) if 'FETCH' in l), 'VANISHED before the FETCHes', u)
# known-uids limits the answer; a wrong UIDVALIDITY gets no resync.
t, u = ok(c, 'SELECT INBOX (QRESYNC (%d %d 5:6))' % (v, h))
expect(not any(l.startswith('* VANISHED') for l in u) and sorted(modseqs(u)) == [5], 'known-uids 5:6', u)
t, u = ok(c, 'SELECT INBOX (QRESYNC (%d %d 1:8 (1:3 1:3)))' % (v, h))
expect('* VANISHED (EARLIER) 2:3' in u, 'with seq-match-data', u)
t, u = ok(c, 'SELECT INBOX (QRESYNC (%d %d))' % (v + 1, h))
expect(not any(l.startswith('* VANISHED') or 'FETCH' in l for l in u), 'other UIDVALIDITY', u)
# While selected: another session's expunge arrives as VANISHED, never EXPUNGE.
ok(b, 'UID EXPUNGE 7')
t, u = ok(c, 'NOOP')
expect('* VANISHED 7' in u and not any('EXPUNGE' in l for l in u), 'VANISHED on NOOP', u)
t, u = ok(c, 'UID FETCH 1:* (FLAGS) (CHANGEDSINCE %d VANISHED)' % h)
expect(any(l == '* VANISHED (EARLIER) 2:3,7' for l in u), 'UID FETCH VANISHED', u)
t, u = raw(c, 'FETCH 1:* (FLAGS) (CHANGEDSINCE %d VANISHED)' % h)
expect(t.startswith('BAD'), 'VANISHED needs UID FETCH', t)
# Its own EXPUNGE: VANISHED, then the new HIGHESTMODSEQ in the tagged OK.
ok(c, 'UID STORE 1 +FLAGS (\\Deleted)')
t, u = ok(c, 'EXPUNGE')
expect(u == ['* VANISHED 1'] and 'HIGHESTMODSEQ' in t, 'own EXPUNGE', (t, u))
# Malformed QRESYNC parameters are BAD and the session goes on.
all_bad(c, ('SELECT INBOX (QRESYNC)', 'SELECT INBOX (QRESYNC ())', 'SELECT INBOX (QRESYNC (0 1))',
            'SELECT INBOX (QRESYNC (1))', 'SELECT INBOX (QRESYNC (x 1))', 'SELECT INBOX (QRESYNC (1 1 1:x))',
            'SELECT INBOX (QRESYNC (1 1 1:5 (1:2)))', 'SELECT INBOX (QRESYNC (1 1 1:5 (1:2 1:2))',
            'SELECT INBOX (QRESYNC (1 99999999999999999999))', 'SELECT INBOX (CONDSTORE',
            'SELECT INBOX (FOO)', 'SELECT INBOX ()', 'SELECT INBOX (QRESYNC (1 1) QRESYNC (1 1))'))
print('ok')
PY
}

@test "QRESYNC: expunges older than the log remembers give every absent UID; a huge known-uids set is bounded" {
  conf <<'PY'
deliver(6)
a = session()
ok(a, 'ENABLE QRESYNC')
t, u = ok(a, 'SELECT INBOX')
v = int(re.search(r'UIDVALIDITY (\d+)', ' '.join(u)).group(1))
ok(a, 'UID STORE 2,4 +FLAGS.SILENT (\\Deleted)')
ok(a, 'EXPUNGE')
# modseq 1 is below the log's floor (the log began after the messages): a superset is allowed.
t, u = ok(a, 'SELECT INBOX (QRESYNC (%d 1))' % v)
expect('* VANISHED (EARLIER) 2,4' in u, 'absent UIDs', u)
# A known-uids set near the command length limit (thousands of ranges, up to 4294967295).
known = ','.join('%d:%d' % (i * 10 + 1, i * 10 + 5) for i in range(5000)) + ',60000:4294967295'
t, u = ok(a, 'SELECT INBOX (QRESYNC (%d 1 %s))' % (v, known))
expect('* VANISHED (EARLIER) 2,4' in u, 'huge known-uids', u)
print('ok')
PY
}

# mbsync 1.4 does not use CONDSTORE (it sends NAMESPACE, SELECT, UID FETCH (UID FLAGS), UID
# STORE, EXPUNGE); what it covers: a sync over the same folder that CONDSTORE sessions
# change, both ways, and that its flag changes take new modseqs other sessions see.
@test "mbsync: syncs flag changes and expunges made in another session, and its changes get modseqs" {
  command -v mbsync || skip "mbsync (isync) not installed"
  conf <<'PY'
import glob, subprocess
T = os.path.dirname(MD)
os.makedirs(T + '/local')
with open(T + '/mbsyncrc', 'w') as f:
    f.write('''IMAPAccount posta
Tunnel "%s/posta-imapd --post-auth"

IMAPStore remote
Account posta

MaildirStore local
Path %s/local/
Inbox %s/local/INBOX

Channel inbox
Far :remote:INBOX
Near :local:INBOX
Create Near
SyncState *
Sync All
Expunge Both
''' % (os.environ['POSTA_BIN'], T, T))
def mbsync():
    r = subprocess.run(['mbsync', '-c', T + '/mbsyncrc', '-a'], capture_output=True, text=True, timeout=30)
    expect(r.returncode == 0, 'mbsync', r.stdout + r.stderr)
def local():
    """{uid: flags} of the local copy"""
    out = {}
    for p in glob.glob(T + '/local/INBOX/*/*'):
        name = os.path.basename(p)
        out[int(re.search(r',U=(\d+)', name).group(1))] = name.split(':2,')[1] if ':2,' in name else ''
    return out
deliver(4)
mbsync()
expect(local() == {1: '', 2: '', 3: '', 4: ''}, 'first sync', local())
a = session()
ok(a, 'ENABLE QRESYNC')
h = highest(ok(a, 'SELECT INBOX')[1])
ok(a, 'UID STORE 2 +FLAGS (\\Flagged)')
ok(a, 'UID STORE 3 +FLAGS (\\Deleted)')
ok(a, 'UID EXPUNGE 3')
mbsync()
expect(local() == {1: '', 2: 'F', 4: ''}, 'flag change and expunge synced', local())
# A change on the near side goes up as UID STORE and takes a new modseq.
p = [p for p in glob.glob(T + '/local/INBOX/*/*') if ',U=1' in p][0]
os.rename(p, T + '/local/INBOX/cur/' + os.path.basename(p).split(':2,')[0] + ':2,S')
mbsync()
h2 = highest(ok(a, 'NOOP')[1]) or h
t, u = ok(a, 'UID FETCH 1:* (FLAGS) (CHANGEDSINCE %d)' % h)
ch = modseqs(u)
expect(set(ch) == {1, 2} and any('UID 1 ' in l and '\\Seen' in l for l in u), 'mbsync change seen with CHANGEDSINCE', u)
expect(ch[1] > ch[2] > h, 'in order of the changes', ch)
print('ok')
PY
}

@test "ESEARCH: SEARCH RETURN (MIN MAX ALL COUNT), UID SEARCH; SEARCHRES: SAVE and \$ in FETCH, STORE, SEARCH, COPY" {
  conf <<'PY'
m = session()
deliver(6)
capable(m, 'ESEARCH', 'SEARCHRES')
ok(m, 'SELECT INBOX')
ok(m, 'UID STORE 2,3,5 +FLAGS.SILENT (\\Flagged)')
ok(m, 'UID STORE 1 +FLAGS.SILENT (\\Deleted)')
ok(m, 'EXPUNGE')  # UIDs 2..6 are now sequence numbers 1..5
t, u = ok(m, 'SEARCH RETURN (MIN MAX COUNT ALL) FLAGGED')
tag = t and re.search(r'TAG "([^"]+)"', u[0]).group(1)
expect(u == ['* ESEARCH (TAG "%s") MIN 1 MAX 4 ALL 1:2,4 COUNT 3' % tag], 'ESEARCH', u)
t, u = ok(m, 'UID SEARCH RETURN () FLAGGED')
expect(re.match(r'\* ESEARCH \(TAG "[^"]+"\) UID ALL 2:3,5$', u[0]), 'RETURN () is ALL', u)
t, u = ok(m, 'UID SEARCH RETURN (COUNT MIN) DELETED')
expect(re.match(r'\* ESEARCH \(TAG "[^"]+"\) UID COUNT 0$', u[0]), 'nothing found: COUNT 0 only', u)
t, u = ok(m, 'SEARCH RETURN (COUNT) CHARSET UTF-8 UNFLAGGED')
expect(re.search(r'COUNT 2$', u[0]), 'with CHARSET', u)
# SAVE alone answers nothing but the OK; $ is then usable anywhere a set is.
t, u = ok(m, 'UID SEARCH RETURN (SAVE) FLAGGED')
expect(u == [], 'SAVE alone', u)
t, u = ok(m, 'FETCH $ (UID)')
expect([re.search(r'UID (\d+)', l).group(1) for l in u] == ['2', '3', '5'], 'FETCH $', u)
t, u = ok(m, 'UID FETCH $ (FLAGS)')
expect(len(u) == 3, 'UID FETCH $', u)
ok(m, 'STORE $ +FLAGS.SILENT (\\Seen)')
t, u = ok(m, 'SEARCH SEEN')
expect(u == ['* SEARCH 1 2 4'], 'STORE $', u)
t, u = ok(m, 'UID SEARCH UID $ UNSEEN')
expect(u == ['* SEARCH'], 'SEARCH UID $', u)
t, u = ok(m, 'SEARCH NOT $')
expect(u == ['* SEARCH 3 5'], 'SEARCH NOT $', u)
ok(m, 'CREATE Saved')
t, u = ok(m, 'COPY $ Saved')
expect('COPYUID' in t, 'COPY $', t)
# With MIN/MAX alone SAVE keeps just those; a failed SEARCH ... SAVE leaves $ empty.
ok(m, 'SEARCH RETURN (SAVE MIN MAX) FLAGGED')
t, u = ok(m, 'UID SEARCH $')
expect(u == ['* SEARCH 2 5'], 'SAVE MIN MAX', u)
t, u = raw(m, 'SEARCH RETURN (SAVE) BOGUS')
expect(t.startswith('BAD'), 'bad search', t)
t, u = ok(m, 'FETCH $ (UID)')
expect(u == [], '$ empty after a failed SAVE', u)
# $ does not survive a new SELECT.
ok(m, 'SEARCH RETURN (SAVE) ALL')
ok(m, 'SELECT INBOX')
t, u = ok(m, 'FETCH $ (UID)')
expect(u == [], '$ reset by SELECT', u)
all_bad(m, ('SEARCH RETURN (FOO) ALL', 'SEARCH RETURN ALL', 'SEARCH RETURN (MIN', 'SEARCH RETURN (MIN) ',
            'SEARCH RETURN', 'FETCH $1 (UID)', 'FETCH 1,$ (UID)', 'SEARCH RETURN (MIN  MAX) ALL'))
print('ok')
PY
}

@test "LIST-STATUS, STATUS=SIZE and DELETED, CREATE-SPECIAL-USE; UNSELECT, NAMESPACE, MOVE advertised" {
  conf <<'PY'
m = session()
capable(m, 'LIST-STATUS', 'STATUS=SIZE', 'CREATE-SPECIAL-USE', 'SPECIAL-USE', 'UNSELECT', 'NAMESPACE', 'MOVE', 'LITERAL+')
deliver(2)
ok(m, 'CREATE Work')
ok(m, 'CREATE Work.Sub')
deliver(1, folder='.Work')
t, u = ok(m, 'LIST "" "*" RETURN (STATUS (MESSAGES UNSEEN SIZE))')
expect(u[0].startswith('* LIST') and 'INBOX' in u[0] and re.match(r'\* STATUS "INBOX" \(MESSAGES 2 UNSEEN 2 SIZE \d+\)$', u[1]),
       'STATUS after each LIST line', u)
expect('* STATUS "Work" (MESSAGES 1 UNSEEN 1 SIZE %s)' % re.search(r'Work" \(MESSAGES 1 UNSEEN 1 SIZE (\d+)', ' '.join(u)).group(1) in u,
       'Work', u)
t, u = ok(m, 'LIST (SUBSCRIBED) "" "W*" RETURN (STATUS (MESSAGES))')
expect(u == [], 'Work not subscribed', u)
ok(m, 'SUBSCRIBE Work')
t, u = ok(m, 'LIST (SUBSCRIBED) "" "W*" RETURN (STATUS (UIDNEXT) CHILDREN)')
expect(len(u) == 2 and u[1] == '* STATUS "Work" (UIDNEXT 2)', 'with SUBSCRIBED and CHILDREN', u)
ok(m, 'SELECT INBOX')
ok(m, 'STORE 1 +FLAGS.SILENT (\\Deleted)')
t, u = ok(m, 'STATUS INBOX (DELETED SIZE MESSAGES)')
size = int(re.search(r'SIZE (\d+)', u[0]).group(1))
expect(re.match(r'\* STATUS "INBOX" \(DELETED 1 SIZE \d+ MESSAGES 2\)$', u[0]) and size > 40, 'STATUS DELETED SIZE', u)
# CREATE ... (USE (...)): LIST shows the attribute; unsupported ones get NO [USEATTR].
ok(m, 'CREATE Spam (USE (\\Junk))')
ok(m, 'CREATE Old (USE (\\archive))')
t, u = ok(m, 'LIST "" "%"')
expect('* LIST (\\HasNoChildren \\Junk) "." "Spam"' in u and '* LIST (\\HasNoChildren \\Archive) "." "Old"' in u, 'USE', u)
t, u = ok(m, 'LIST (SPECIAL-USE) "" "*"')
names = [l.split()[-1] for l in u]
expect('"Old"' in names and '"Spam"' in names and '"Work"' not in names, 'LIST (SPECIAL-USE)', u)
for line in ('CREATE All (USE (\\All))', 'CREATE Two (USE (\\Junk \\Trash))', 'CREATE X (USE (\\Bogus))'):
    t, u = raw(m, line)
    expect(t.startswith('NO [USEATTR]'), line, t)
t, u = ok(m, 'LIST "" "%"')
expect(not any(n in ' '.join(u) for n in ('"All"', '"Two"', '"X"')), 'refused CREATEs create nothing', u)
all_bad(m, ('CREATE Y (USE)', 'CREATE Y (USE ())', 'CREATE Y (FOO (\\Junk))', 'CREATE Y (USE (\\Junk)',
            'LIST "" "*" RETURN (STATUS)', 'LIST "" "*" RETURN (STATUS ())', 'LIST "" "*" RETURN (STATUS (BOGUS))',
            'STATUS INBOX (BOGUS)', 'STATUS INBOX ()', 'STATUS INBOX (MESSAGES'))
print('ok')
PY
}

@test "IMAP4rev2: ENABLE IMAP4rev2, no \\Recent or RECENT or UNSEEN, ESEARCH answers, UTF-8 names; UTF8=ACCEPT" {
  conf <<'PY'
deliver(3)
old, m = session(), session()
capable(m, 'IMAP4rev1', 'IMAP4rev2', 'UTF8=ACCEPT', 'ENABLE')
t, u = ok(m, 'ENABLE IMAP4rev2')
expect(u == ['* ENABLED IMAP4rev2'], 'ENABLED', u)
t, u = ok(m, 'SELECT INBOX')
expect(not any('RECENT' in l or 'UNSEEN' in l for l in u), 'no RECENT or UNSEEN on SELECT', u)
expect('* 3 EXISTS' in u and any('UIDVALIDITY' in l for l in u) and any('UIDNEXT' in l for l in u), 'SELECT', u)
t, u = ok(m, 'FETCH 1:* (FLAGS)')
expect(not any('Recent' in l for l in u), 'no \\Recent', u)
t, u = ok(m, 'SEARCH ALL')
expect(re.match(r'\* ESEARCH \(TAG "[^"]+"\) ALL 1:3$', u[0]), 'ESEARCH for SEARCH', u)
t, u = ok(m, 'UID SEARCH DELETED')
expect(re.match(r'\* ESEARCH \(TAG "[^"]+"\) UID$', u[0]), 'ESEARCH with nothing found', u)
deliver(1)
t, u = ok(m, 'NOOP')
expect('* 4 EXISTS' in u and not any('RECENT' in l for l in u), 'no RECENT on NOOP', u)
# Mailbox names in UTF-8 both ways; stored (and shown to rev1 sessions) in modified UTF-7.
ok(m, 'CREATE "Caf\u00e9"')
expect(os.path.isdir(os.path.join(MD, '.Caf&AOk-')), 'stored as modified UTF-7', os.listdir(MD))
t, u = ok(m, 'LIST "" "Caf*" RETURN (STATUS (MESSAGES))')
expect(u == ['* LIST (\\HasNoChildren) "." "Caf\u00e9"', '* STATUS "Caf\u00e9" (MESSAGES 0)'], 'UTF-8 in LIST', u)
t, u = ok(old, 'LIST "" "Caf*"')
expect(u == ['* LIST (\\HasNoChildren) "." "Caf&AOk-"'], 'rev1 session sees modified UTF-7', u)
t, u = ok(old, 'SELECT INBOX')
expect('* 0 RECENT' in u or any(re.match(r'\* \d+ RECENT', l) for l in u), 'rev1 still has RECENT', u)
# UTF8=ACCEPT alone: UTF-8 names, and APPEND UTF8 (~{n}) with a literal8.
u8 = session()
t, u = ok(u8, 'ENABLE UTF8=ACCEPT')
expect(u == ['* ENABLED UTF8=ACCEPT'], 'ENABLED UTF8=ACCEPT', u)
msg = 'From: \u00e9@b.test\r\nSubject: \u00fcber\r\n\r\nhi\r\n'.encode()
tag = u8._new_tag().decode()
u8.send(('%s APPEND "Caf\u00e9" UTF8 (~{%d+}\r\n' % (tag, len(msg))).encode() + msg + b')\r\n')
line = u8.readline().decode()
expect(line.startswith(tag + ' OK') and 'APPENDUID' in line, 'APPEND UTF8', line)
t, u = ok(u8, 'STATUS "Caf\u00e9" (MESSAGES)')
expect(u == ['* STATUS "Caf\u00e9" (MESSAGES 1)'], 'appended', u)
all_bad(u8, ('APPEND INBOX UTF8 ()', 'APPEND INBOX UTF8'))
print('ok')
PY
}

@test "BINARY: FETCH BINARY[part], BINARY.PEEK, BINARY.SIZE with the transfer encoding undone; literal8 for NUL" {
  conf <<'PY'
import base64
m = session()
capable(m, 'BINARY')
payload = b'\x00\x01binary\xff\r\n' * 3
mime = ('From: a@b.test\r\nSubject: bin\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n'
        '--XX\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\ncaf=C3=A9=\r\n!\r\n'
        '--XX\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n' +
        base64.b64encode(payload).decode() + '\r\n'
        '--XX\r\nContent-Type: application/x-odd\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\nbegin\r\n'
        '--XX--\r\n').encode()
with open(os.path.join(MD, 'cur', '1.M1P1.bin:2,'), 'wb') as f:
    f.write(mime)
ok(m, 'SELECT INBOX')
def fetch(item):
    tag = m._new_tag().decode()
    m.send(('%s FETCH 1 (%s)\r\n' % (tag, item)).encode())
    out = b''
    while True:
        line = m.readline()
        out += line
        lit = re.search(rb'\{(\d+)\}\r\n$', line)
        if lit:
            out += m.read(int(lit.group(1)))
        if line.startswith(tag.encode() + b' '):
            return out
out = fetch('BINARY.PEEK[1]')
expect(b'BINARY[1] {6}\r\ncaf\xc3\xa9!' in out and b' OK ' in out, 'quoted-printable undone', out)
out = fetch('BINARY.PEEK[2]')
expect(b'BINARY[2] ~{%d}\r\n' % len(payload) + payload in out, 'base64 undone, literal8 for NUL', out)
out = fetch('BINARY.SIZE[2] BINARY.PEEK[2]<2.6>')
expect(b'BINARY.SIZE[2] %d' % len(payload) in out and b'BINARY[2]<2> {6}\r\nbinary' in out, 'SIZE and partial', out)
out = fetch('FLAGS')
expect(b'\\Seen' not in out, 'PEEK leaves \\Seen alone', out)
out = fetch('BINARY[1]')
expect(b'\\Seen' in out, 'BINARY sets \\Seen', out)
out = fetch('BINARY.PEEK[3]')
expect(b'NO [UNKNOWN-CTE]' in out, 'unknown encoding: NO [UNKNOWN-CTE]', out)
all_bad(m, ('FETCH 1 BINARY[1.HEADER]', 'FETCH 1 BINARY[TEXT]', 'FETCH 1 BINARY.SIZE[1]<0.5>', 'FETCH 1 BINARY',
            'FETCH 1 BINARY[x]'))
print('ok')
PY
}

@test "SORT and THREAD: the same answers as Dovecot's on a 300-message corpus of real-mail header forms" {
  [ -x /usr/lib/dovecot/imap ] || skip "Dovecot is not installed"
  chmod 755 "$T"  # Dovecot's imap runs as nobody when the tests run as root
  export DV_WORK=$T/dovecot
  conf <<'PY'
from sortcorpus import corpus, append_all, dovecot_session, COMMANDS
msgs = corpus()
m, d = session(), dovecot_session(os.environ['DV_WORK'])
capable(m, 'SORT', 'SORT=DISPLAY', 'THREAD=ORDEREDSUBJECT', 'THREAD=REFERENCES')
append_all(m, msgs)
append_all(d, msgs)
ok(m, 'SELECT INBOX')
raw(d, 'SELECT INBOX')
for c in COMMANDS:
    tp, up = raw(m, c)
    td, ud = raw(d, c)
    # Dovecot writes "* THREAD " for no threads, RFC 5256's grammar "* THREAD"; the tags differ
    norm = lambda lines: [re.sub(r'\(TAG "[^"]*"\)', '(TAG)', l.rstrip()) for l in lines]
    expect(tp.split()[0] == td.split()[0] == 'OK' and norm(up) == norm(ud), c, (tp, up, td, ud))
print('ok')
PY
}

@test "SORT and THREAD: hand-computed answers, BAD syntax, NO [BADCHARSET], no EXPUNGE while sorting, hostile References" {
  conf <<'PY'
def put(name, headers):
    with open(os.path.join(MD, 'cur', name + ':2,'), 'w') as f:
        f.write(headers + '\n\nbody\n')
put('1.a', 'Subject: Re: [list] Hello\nDate: Tue, 1 Jul 2003 10:00:00 +0200\nFrom: Zed <zed@x.test>\nMessage-ID: <a@x>\nReferences: <root@x>')
put('2.a', 'Subject: hello (fwd)\nDate: 1 Jul 03 07:00 GMT\nFrom: ann@x.test\nMessage-ID: <b@x>')
put('3.a', 'Subject: other\nDate: garbage\nFrom: "Bob" <bob@x.test>\nMessage-ID: <c@x>\nIn-Reply-To: <a@x>')
put('4.a', 'Subject: =?UTF-8?Q?Re=3A_other?=\nDate: Mon, 30 Jun 2003 23:00:00 -0500\nMessage-ID: <d@x>\nReferences: <root@x>')
m = session()
ok(m, 'SELECT INBOX')
for cmd, want in (('SORT (SUBJECT DATE) UTF-8 ALL', '* SORT 2 1 4 3'),
                  ('SORT (REVERSE FROM) UTF-8 ALL', '* SORT 1 3 2 4'),
                  ('SORT (DISPLAYFROM) UTF-8 ALL', '* SORT 4 2 3 1'),
                  ('SORT (DATE) UTF-8 ALL', '* SORT 4 2 1 3'),  # 3: no date, its internal date
                  ('SORT (DATE) UTF-8 NOT FROM bob', '* SORT 4 2 1'),
                  ('UID SORT (DATE) UTF-8 ALL', '* SORT 4 2 1 3'),
                  ('THREAD ORDEREDSUBJECT UTF-8 ALL', '* THREAD (4 3)(2 1)'),
                  ('THREAD REFERENCES UTF-8 ALL', '* THREAD ((4)(1 3))(2)'),
                  ('UID THREAD REFERENCES UTF-8 SUBJECT other', '* THREAD (3 4)'),
                  ('SORT (DATE) UTF-8 SUBJECT nothing', '* SORT'),
                  ('THREAD REFERENCES UTF-8 SUBJECT nothing', '* THREAD')):
    t, u = raw(m, cmd)
    expect(t.startswith('OK') and u == [want], cmd, (t, u))
t, u = ok(m, 'SORT (DATE) UTF-8 MODSEQ 1')
# a CONDSTORE-enabling command: HIGHESTMODSEQ announced first (RFC 7162 3.1)
expect(len(u) == 2 and 'HIGHESTMODSEQ' in u[0] and re.match(r'\* SORT 4 2 1 3 \(MODSEQ \d+\)$', u[1]),
       'SORT with MODSEQ', u)
capable(m, 'ESORT')
ok(m, 'SORT RETURN (SAVE) (REVERSE DATE) UTF-8 1:2')
t, u = ok(m, 'SEARCH $')
expect(u == ['* SEARCH 1 2'], 'ESORT SAVE', u)
t, u = ok(m, 'UID SORT RETURN (MAX ALL) (REVERSE DATE) UTF-8 ALL')
expect(re.match(r'\* ESEARCH \(TAG "[^"]+"\) UID MAX 4 ALL 3,1:2,4$', u[0]), 'ESORT order', u)
t, u = raw(m, 'SORT (DATE) KOI8-R ALL')
expect(t.startswith('NO [BADCHARSET'), 'bad charset', t)
t, u = raw(m, 'THREAD REFERENCES KOI8-R ALL')
expect(t.startswith('NO [BADCHARSET'), 'bad charset in THREAD', t)
all_bad(m, ('SORT DATE UTF-8 ALL', 'SORT () UTF-8 ALL', 'SORT (DATE) UTF-8', 'SORT (DATE)', 'SORT (FOO) UTF-8 ALL',
            'SORT (REVERSE) UTF-8 ALL', 'SORT (DATE) UTF-8 BOGUS', 'THREAD FOO UTF-8 ALL', 'THREAD UTF-8 ALL',
            'THREAD REFERENCES', 'UID SORT (DATE)', 'SORT (DATE  SUBJECT) UTF-8 ALL', 'SORT RETURN (FOO) (DATE) UTF-8 ALL',
            'SORT RETURN (DATE) UTF-8 ALL', 'SORT RETURN () UTF-8 ALL'))
# Another session expunges: no EXPUNGE before SORT's answer (RFC 3501 7.4.1), then NOOP tells.
o = session()
ok(o, 'SELECT INBOX')
ok(o, 'STORE 2 +FLAGS.SILENT (\\Deleted)')
ok(o, 'EXPUNGE')
t, u = ok(m, 'SORT (DATE) UTF-8 ALL')
expect(u == ['* SORT 4 2 1 3'], 'no EXPUNGE during SORT', u)
t, u = ok(m, 'NOOP')
expect('* 2 EXPUNGE' in u, 'EXPUNGE after', u)
o.logout()
m.logout()
# posta-sort.cache: a new session answers from it, a message it lacks is added, a damaged
# one is ignored and replaced.
cache = os.path.join(MD, 'posta-sort.cache')
expect(os.path.getsize(cache) > 0, 'sort cache written')
put('5.a', 'Subject: Re: early\nDate: Mon, 30 Jun 2003 00:00:00 +0000')
for damage in (False, True):
    if damage:
        with open(cache, 'r+b') as f:
            f.seek(30)
            f.write(b'garbage')
    m = session()
    ok(m, 'SELECT INBOX')
    for cmd, want in (('SORT (DATE) UTF-8 ALL', '* SORT 4 3 1 2'), ('SORT (SUBJECT) UTF-8 ALL', '* SORT 4 1 2 3'),
                      ('THREAD ORDEREDSUBJECT UTF-8 ALL', '* THREAD (4)(3 2)(1)')):
        t, u = ok(m, cmd)
        expect(u == [want], cmd + (' after damage' if damage else ''), u)
    m.logout()
# Hostile: 3,000 messages with one subject, a References chain given newest first, loops,
# duplicate Message-IDs and 1,000 references each; answered in bounded time.
n = 3000
refs_all = ' '.join('<r%d@x>' % k for k in range(1000))
for i in range(n):
    refs = refs_all if i % 100 == 0 else ' '.join('<m%d@x>' % k for k in range(n - i, min(n, n - i + 40)))
    put('%d.h' % (10 + i), 'Subject: Re: same\nMessage-ID: <m%d@x>\nReferences: %s <m%d@x>' % (n - i - 1 if i % 7 else 5, refs, n - i - 1))
m = session()
ok(m, 'SELECT INBOX')
t0 = time.time()
for cmd in ('THREAD REFERENCES UTF-8 ALL', 'THREAD ORDEREDSUBJECT UTF-8 ALL', 'SORT (SUBJECT) UTF-8 ALL'):
    t, u = ok(m, cmd)
    expect(len(u) == 1 and len(u[0]) > n, cmd, u[:1])
expect(time.time() - t0 < 10, 'hostile threads take', time.time() - t0)
ok(m, 'NOOP')
print('ok')
PY
}

@test "COMPRESS=DEFLATE: OK then both directions deflated, early pipelined bytes, NO [COMPRESSIONACTIVE], garbage ends the session" {
  conf <<'PY'
import subprocess
from compress_client import Conn
deliver(3)
big = 'Subject: big\r\n\r\n' + ''.join('line %d of a long body\r\n' % i for i in range(20000))
with open(os.path.join(MD, 'new', '9.big'), 'w') as f:
    f.write(big)
def start():
    p = subprocess.Popen([os.environ['POSTA_BIN'] + '/posta-imapd', '--post-auth'], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    c = Conn(lambda b: (p.stdin.write(b), p.stdin.flush()), lambda: os.read(p.stdout.fileno(), 65536))
    c.line()  # the greeting of the post-auth process
    return p, c
p, c = start()
t, u = c.cmd('CAPABILITY')
expect('COMPRESS=DEFLATE' in u[0].split(), 'capability', u)
for bad in ('COMPRESS', 'COMPRESS FOO', 'COMPRESS DEFLATE x', 'COMPRESS "DEFLATE'):
    t, u = c.cmd(bad)
    expect(t.split()[1] == 'BAD', bad, t)
t, u = c.compress(pipelined=b'p1 SELECT INBOX\r\n')
expect(t.split()[1] == 'OK', 'COMPRESS', t)
t, u = c.reply('p1')
expect(t.split()[1] == 'OK' and '* 4 EXISTS' in u, 'pipelined SELECT', (t, u))
t, u = c.cmd('FETCH 4 BODY[TEXT]')
expect(t.split()[1] == 'OK' and big.split('\r\n\r\n', 1)[1] in u[0], 'big FETCH', (t, len(u[0])))
expect(c.de.unused_data == b'', 'no bytes after the stream')
t, u = c.cmd('COMPRESS DEFLATE')
expect(t.split()[1:3] == ['NO', '[COMPRESSIONACTIVE]'], 'second COMPRESS', t)
t, u = c.cmd('UID SEARCH ALL')
expect(u == ['* SEARCH 1 2 3 4'], 'after', u)
t, u = c.cmd('LOGOUT')
expect(u == ['* BYE Logging out'] and t.split()[1] == 'OK', 'LOGOUT', (t, u))
expect(p.wait(10) == 0, 'exit')
# Not deflate data after the OK: the session ends, no crash, nothing more sent.
p, c = start()
t, u = c.compress()
p.stdin.write(b'\xff\xfe this is not deflate\r\n' * 10)
p.stdin.flush()
expect(p.wait(10) == 0, 'garbage: clean end')
print('ok')
PY
}
