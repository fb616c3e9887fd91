#!/usr/bin/env bats
# posta-imapd's RFC 3501 / RFC 5258 conformance details, each through Python's imaplib on
# "posta-imapd --post-auth" over a pipe (one process per session, all on one Maildir), and
# the multi-client stress run (test/lib/imap_stress.py) over TCP in a real instance.

load ../lib/imapd_pipe

@test "UID and sequence sets take the whole 32-bit range and '*' anywhere" {
  conf <<'PY'
deliver(3)
m = session()
t, u = raw(m, 'SELECT INBOX')
nxt = int(re.search(r'UIDNEXT (\d+)', ' '.join(u)).group(1))
for cmd, want in (('UID SEARCH UID 1:4294967295', '* SEARCH 1 2 3'),
                  ('UID SEARCH UID %d:4294967295' % nxt, '* SEARCH'),
                  ('UID SEARCH UID 4294967295', '* SEARCH'),
                  ('UID SEARCH UID *:2', '* SEARCH 2 3'),
                  ('UID SEARCH UID 4294967295:*', '* SEARCH 3'),
                  ('SEARCH 1:4294967295', '* SEARCH 1 2 3'),
                  ('SEARCH *:2,1', '* SEARCH 1 2 3'),
                  ('UID SEARCH UID 2,4294967295,*', '* SEARCH 2 3')):
    t, u = raw(m, cmd)
    expect(t.startswith('OK') and u == [want], cmd, (t, u))
t, u = raw(m, 'UID FETCH 1:4294967295 (UID)')
expect(t.startswith('OK') and len(u) == 3, 'uid fetch full range', (t, u))
t, u = raw(m, 'UID FETCH 4294967295 (UID)')
expect(t.startswith('OK') and u == [], 'uid fetch 4294967295', (t, u))
t, u = raw(m, 'UID STORE 3:4294967295 +FLAGS.SILENT (\\Flagged)')
expect(t.startswith('OK'), 'uid store', t)
t, u = raw(m, 'UID SEARCH FLAGGED')
expect(u == ['* SEARCH 3'], 'flagged', u)
for bad in ('UID SEARCH UID 0:3', 'UID SEARCH UID 4294967296', 'FETCH 1:x FLAGS'):
    t, u = raw(m, bad)
    expect(t.startswith('BAD'), bad, t)
# hostile: 90,000 ranges up to the top; answered quickly, the session goes on
big = ','.join('%d:4294967295' % (i * 40000 + 1) for i in range(3000))
t0 = time.time()
t, u = raw(m, 'UID SEARCH UID ' + big)
expect(t.startswith('OK') and u == ['* SEARCH 1 2 3'] and time.time() - t0 < 5, 'hostile set', (t, u[:2]))
t, u = raw(m, 'NOOP')
expect(t.startswith('OK'), 'alive after all of that', t)
m.logout()
print('ok')
PY
}

@test "LOGOUT answers BYE and OK only, whatever changed meanwhile" {
  conf <<'PY'
deliver(3)
a, b = session(), session()
raw(a, 'SELECT INBOX')
raw(b, 'SELECT INBOX')
raw(b, 'STORE 1 +FLAGS (\\Deleted \\Seen)')
raw(b, 'STORE 2 +FLAGS (\\Flagged)')
raw(b, 'EXPUNGE')
deliver(1)
t, u = raw(a, 'LOGOUT')
expect(t.startswith('OK') and u == ['* BYE Logging out'], 'logout', (t, u))
b.logout()
print('ok')
PY
}

@test "\\Recent: in exactly one session, RECENT after SELECT/NOOP, STATUS, SEARCH NEW/OLD/RECENT, FETCH" {
  conf <<'PY'
deliver(2)
a = session()
t, u = raw(a, 'SELECT INBOX')
expect('* 2 RECENT' in u, 'select recent', u)
t, u = raw(a, 'FETCH 1:* FLAGS')
expect(all('\\Recent' in l for l in u) and len(u) == 2, 'fetch recent', u)
b = session()
t, u = raw(b, 'SELECT INBOX')
expect('* 0 RECENT' in u, 'recent only once', u)
t, u = raw(b, 'FETCH 1:* FLAGS')
expect(not any('\\Recent' in l for l in u), 'no recent in b', u)
# STATUS from a third session: nothing is recent that a session has been told about
c = session()
t, u = raw(c, 'STATUS INBOX (RECENT MESSAGES)')
expect(u == ['* STATUS "INBOX" (RECENT 0 MESSAGES 2)'], 'status', u)
# APPEND from c and COPY from b: a's NOOP (the first to look) reports them as recent
c.append('INBOX', '', None, b'From: c@d.test\r\nSubject: appended\r\n\r\nx\r\n')
t, u = raw(c, 'STATUS INBOX (RECENT)')
expect(u == ['* STATUS "INBOX" (RECENT 1)'], 'status after append', u)
c.create('Other')
c.select('Other')
c.append('Other', '', None, b'Subject: other\r\n\r\nx\r\n')
raw(c, 'COPY 1 INBOX')
t, u = raw(a, 'NOOP')
expect('* 4 EXISTS' in u and '* 4 RECENT' in u, 'noop recent in a', u)
t, u = raw(b, 'NOOP')
expect('* 4 EXISTS' in u and '* 0 RECENT' in u, 'noop not recent in b', u)
raw(a, 'STORE 1 +FLAGS (\\Seen)')
for cmd, want in (('SEARCH RECENT', '* SEARCH 1 2 3 4'), ('SEARCH NEW', '* SEARCH 2 3 4'),
                  ('SEARCH OLD', '* SEARCH'), ('SEARCH NOT RECENT', '* SEARCH')):
    t, u = raw(a, cmd)
    expect([l for l in u if l.startswith('* SEARCH')] == [want], 'a ' + cmd, u)
for cmd, want in (('SEARCH RECENT', '* SEARCH'), ('SEARCH NEW', '* SEARCH'), ('SEARCH OLD', '* SEARCH 1 2 3 4')):
    t, u = raw(b, cmd)
    expect([l for l in u if l.startswith('* SEARCH')] == [want], 'b ' + cmd, u)
t, u = raw(a, 'FETCH 4 FLAGS')
expect('\\Recent' in u[-1], 'fetch 4 in a', u)
# EXAMINE only looks: a delivery stays recent for the next SELECT
deliver(1)
d = session()
t, u = raw(d, 'EXAMINE INBOX')
expect('* 1 RECENT' in u, 'examine sees it', u)
t, u = raw(b, 'NOOP')
expect('* 5 EXISTS' in u and '* 1 RECENT' in u, 'b first to select it', u)
t, u = raw(a, 'NOOP')
expect('* 5 EXISTS' in u and '* 4 RECENT' in u, 'a keeps its four', u)
for m in (a, b, c, d):
    m.logout()
# a new session: nothing recent any more
e = session()
t, u = raw(e, 'SELECT INBOX')
expect('* 0 RECENT' in u, 'after logout', u)
e.logout()
print('ok')
PY
}

@test "keywords: * FLAGS before a FETCH shows a new one; NIL and non-atoms refused" {
  conf <<'PY'
deliver(2)
a, b = session(), session()
raw(a, 'SELECT INBOX')
raw(b, 'SELECT INBOX')
t, u = raw(b, 'STORE 1 +FLAGS ($Label1)')
expect(t.startswith('OK'), 'store', t)
i = [k for k, l in enumerate(u) if l.startswith('* FLAGS')]
f = [k for k, l in enumerate(u) if 'FETCH' in l]
expect(i and f and i[0] < f[0] and '$Label1' in u[i[0]], 'flags first in b', u)
expect(any(l.startswith('* OK [PERMANENTFLAGS') and '$Label1' in l for l in u), 'permanentflags', u)
t, u = raw(a, 'NOOP')
i = [k for k, l in enumerate(u) if l.startswith('* FLAGS')]
f = [k for k, l in enumerate(u) if 'FETCH' in l and '$Label1' in l]
expect(i and f and i[0] < f[0], 'flags before the fetch in a', u)
t, u = raw(a, 'NOOP')
expect(not any(l.startswith('* FLAGS') for l in u), 'told once', u)
t, u = raw(b, 'STORE 2 +FLAGS.SILENT (Work)')
expect(any(l.startswith('* FLAGS') and 'Work' in l for l in u), 'silent store still tells', u)
for bad in ('STORE 1 +FLAGS (NIL)', 'STORE 1 +FLAGS (nil)', 'STORE 1 FLAGS (foo"bar)',
            'STORE 1 +FLAGS (a{b)', 'STORE 1 +FLAGS (\\)', 'STORE 1 +FLAGS (b%)'):
    t, u = raw(a, bad)
    expect(t.startswith('BAD') or t.startswith('NO'), bad, t)
t, u = raw(a, 'FETCH 1 FLAGS')
expect('NIL' not in u[-1], 'no NIL flag', u)
print('ok')
PY
}

@test "ENVELOPE keeps display names, comments, encoded words, groups, routes; SEARCH FROM/TO/CC/BCC" {
  printf '%s\n' 'From: "Doe, John" <j@x.test>, =?utf-8?q?J=C3=B6rg?= <jo@x.test>, ann@x.test (Ann Bee)' \
    'To: undisclosed-recipients:;' \
    'Cc: Team: "A \"q\"" <a@t.test>, b@t.test;, last@x.test' \
    'Bcc: <@r1.test,@r2.test:rt@x.test>' 'Sender:' 'Subject: =?utf-8?q?caf=C3=A9?=' \
    'Message-ID: <1@x.test>' '' 'x' >"$T/md/cur/1.M1P1.test:2,"
  conf <<'PY'
m = session()
raw(m, 'SELECT INBOX')
t, u = raw(m, 'FETCH 1 ENVELOPE')
frm = ('(("Doe, John" NIL "j" "x.test")("=?utf-8?q?J=C3=B6rg?=" NIL "jo" "x.test")'
       '("Ann Bee" NIL "ann" "x.test"))')
want = ('* 1 FETCH (ENVELOPE (NIL "=?utf-8?q?caf=C3=A9?=" ' + frm + ' ' + frm + ' ' + frm +
        ' ((NIL NIL "undisclosed-recipients" NIL)(NIL NIL NIL NIL))'
        ' ((NIL NIL "Team" NIL)("A \\"q\\"" NIL "a" "t.test")(NIL NIL "b" "t.test")(NIL NIL NIL NIL)'
        '(NIL NIL "last" "x.test"))'
        ' (("NIL" "@r1.test,@r2.test" "rt" "x.test")) NIL "<1@x.test>"))').replace('"NIL"', 'NIL')
expect(u == [want], 'envelope', (u, want))
for key, hit in (('FROM "doe, JOHN"', True), ('FROM "jörg"', True), ('FROM "JÖRG"', True),
                 ('FROM "ann bee"', True), ('FROM "J@X.TEST"', True), ('FROM "nobody"', False),
                 ('TO "undisclosed"', True), ('CC "a \\"q\\""', True), ('CC "LAST@x"', True),
                 ('BCC "rt@x.test"', True), ('BCC "jörg"', False)):
    t, u = raw(m, 'SEARCH CHARSET UTF-8 ' + key) if 'ö' in key or 'Ö' in key else raw(m, 'SEARCH ' + key)
    expect(t.startswith('OK') and u == ['* SEARCH 1' if hit else '* SEARCH'], key, (t, u))
print('ok')
PY
}

@test "UIDVALIDITY changes when a folder is deleted and created again" {
  conf <<'PY'
m = session()
seen = set()
for i in range(3):
    expect(m.create('Again')[0] == 'OK', 'create', i)
    t, u = raw(m, 'STATUS Again (UIDVALIDITY)')
    v = re.search(r'UIDVALIDITY (\d+)', u[0]).group(1)
    expect(v not in seen, 'fresh uidvalidity', (v, seen))
    seen.add(v)
    expect(m.delete('Again')[0] == 'OK', 'delete', i)
print('ok')
PY
}

@test "LIST-EXTENDED: unknown options BAD, \\NonExistent, RECURSIVEMATCH with CHILDINFO; LSUB \\Noselect parents" {
  conf <<'PY'
m = session()
for box in ('Work', 'Work.Reports', 'Gone', 'Top.Leaf'):
    expect(m.create(box)[0] == 'OK', 'create', box)
for box in ('Work.Reports', 'Gone', 'Top.Leaf', 'Sent'):
    expect(m.subscribe(box)[0] == 'OK', 'subscribe', box)
import shutil
shutil.rmtree(os.path.join(MD, '.Gone'))  # gone behind the server's back, still subscribed
def lst(cmd):
    """The reply without the special-use folders created (and subscribed) at first login,
    but Sent"""
    t, u = raw(m, cmd)
    expect(t.startswith('OK'), cmd, t)
    return [l for l in u if not re.search(r'"(Archive|Drafts|Junk|Trash|INBOX)"$', l)]
for bad in ('LIST (BOGUS) "" "*"', 'LIST "" "*" RETURN (BOGUS)', 'LIST (RECURSIVEMATCH) "" "*"',
            'LIST "" "*" RETURN (STATUS (BOGUS))', 'LIST (SUBSCRIBED "x") "" "*"'):
    t, u = raw(m, bad)
    expect(t.startswith('BAD'), bad, (t, u))
u = lst('LIST (SUBSCRIBED) "" "*"')
expect(u == ['* LIST (\\HasNoChildren \\Subscribed \\Sent) "." "Sent"',
             '* LIST (\\NonExistent \\Subscribed) "." "Gone"',
             '* LIST (\\HasNoChildren \\Subscribed) "." "Top.Leaf"',
             '* LIST (\\HasNoChildren \\Subscribed) "." "Work.Reports"'] or
       sorted(u) == sorted(['* LIST (\\HasNoChildren \\Subscribed \\Sent) "." "Sent"',
             '* LIST (\\NonExistent \\Subscribed) "." "Gone"',
             '* LIST (\\HasNoChildren \\Subscribed) "." "Top.Leaf"',
             '* LIST (\\HasNoChildren \\Subscribed) "." "Work.Reports"']), 'list subscribed', u)
u = lst('LIST (SUBSCRIBED) "" "%"')
expect(sorted(u) == sorted(['* LIST (\\HasNoChildren \\Subscribed \\Sent) "." "Sent"',
                            '* LIST (\\NonExistent \\Subscribed) "." "Gone"']), 'subscribed %', u)
u = lst('LIST (SUBSCRIBED RECURSIVEMATCH) "" "%"')
expect(sorted(u) == sorted(['* LIST (\\HasNoChildren \\Subscribed \\Sent) "." "Sent"',
                            '* LIST (\\NonExistent \\Subscribed) "." "Gone"',
                            '* LIST (\\NonExistent) "." "Top" ("CHILDINFO" ("SUBSCRIBED"))',
                            '* LIST (\\HasChildren) "." "Work" ("CHILDINFO" ("SUBSCRIBED"))']), 'recursivematch', u)
u = lst('LIST "" "%" RETURN (SUBSCRIBED CHILDREN)')
expect('* LIST (\\HasChildren) "." "Work"' in u and '* LIST (\\Noselect \\HasChildren) "." "Top"' in u,
       'return subscribed', u)
u = lst('LIST (SPECIAL-USE) "" "*"')
expect(u == ['* LIST (\\HasNoChildren \\Sent) "." "Sent"'], 'special-use selection', u)
u = lst('LSUB "" "%"')
expect(sorted(u) == sorted(['* LSUB () "." "Sent"', '* LSUB (\\Noselect) "." "Gone"',
                            '* LSUB (\\Noselect) "." "Top"', '* LSUB (\\Noselect) "." "Work"']), 'lsub %', u)
u = lst('LSUB "" "*"')
expect(sorted(u) == sorted(['* LSUB () "." "Sent"', '* LSUB (\\Noselect) "." "Gone"',
                            '* LSUB () "." "Top.Leaf"', '* LSUB () "." "Work.Reports"']), 'lsub *', u)
print('ok')
PY
}

@test "stress: 10 clients on one mailbox, SELECT/FETCH/STORE/EXPUNGE/APPEND/LOGOUT at random, no protocol errors" {
  deliver_some() { for i in $(seq 1 30); do printf 'Subject: %s\n\nx\n' $i >"$T/md/cur/$i.M1P1.test:2,"; done; }
  deliver_some
  run timeout 90 $PY "$BATS_TEST_DIRNAME/../lib/imap_stress.py" --clients 10 --seconds 15 \
    --command "$POSTA_BIN/posta-imapd --post-auth"
  echo "# $output" >&3
  assert_success
  assert_output --regexp 'ok clients=10 commands=[0-9]+ errors=0'
}

@test "stress over TCP: 10 logged-in clients of a real instance (posta-tcpd, posta-auth), no protocol errors" {
  load ../lib/instance
  instance_create example.test
  echo yes >"$PH/control/authplaintext"
  printf 'secret-s\n' | posta user add stress@example.test --password-stdin >&2
  instance_start
  run timeout 90 $PY "$BATS_TEST_DIRNAME/../lib/imap_stress.py" --clients 10 --seconds 15 \
    --port "$IMAP_PORT" --user stress@example.test --password secret-s
  echo "# $output" >&3
  assert_success
  assert_output --regexp 'ok clients=10 commands=[0-9]+ errors=0'
}
