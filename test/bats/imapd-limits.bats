#!/usr/bin/env bats
# posta-imapd against hostile commands, in a real instance (posta-tcpd, posta-auth) through
# imaplib: LIST patterns that backtracked exponentially, sequence sets that were expanded
# range by range before merging, and a client that leaves in the middle of them. The
# post-auth posta-imapd of the test user is found in /proc (its binary, --post-auth, and
# MAILDIR in this instance) to read its peak memory (VmHWM) and to see that it is gone.

load ../lib/instance

setup_file() {
  instance_create example.test
  echo yes >"$PH/control/authplaintext"
  printf 'secret-c\n' | posta user add carol@example.test --password-stdin >&2
  instance_start
  # carol's Maildir exists after a first login; then 3,000 messages in the folder Big and a
  # folder with a 150-character name (the name limit is 200)
  local md=$PH/mail/example.test/carol
  $PY - "$IMAP_PORT" "$(printf 'a%.0s' $(seq 150))" <<'PY' >&2
import imaplib, sys
m = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]), timeout=30)
m.login('carol@example.test', 'secret-c')
for box in ('Big', 'Dest', sys.argv[2], sys.argv[2] + '.' + sys.argv[2][:40]):
    assert m.create(box)[0] == 'OK', box
m.logout()
PY
  $PY - "$md/.Big/cur" <<'PY'
import os, sys
for i in range(1, 3001):
    with open(os.path.join(sys.argv[1], '%d.M%dP1.test:2,' % (1700000000 + i, i)), 'w') as f:
        f.write('From: s@example.org\r\nSubject: message %d\r\nMessage-ID: <%d@x>\r\n\r\nbody %d\r\n' % (i, i, i))
PY
  chown -R "$(stat -c %U "$PH")" "$md"
}

teardown_file() { instance_stop; }

setup() { load_helpers; }

# The helpers every test's Python uses: login, raw commands, the post-auth process.
helpers() {
  cat <<'PY'
import imaplib, os, re, sys, time
PORT, PH, BIN = int(os.environ['IMAP_PORT']), os.environ['PH'], os.environ['POSTA_BIN']

def login():
    m = imaplib.IMAP4('127.0.0.1', PORT, timeout=60)
    m.login('carol@example.test', 'secret-c')
    return m

sys.path.insert(0, os.environ['POSTA_SRC'] + '/test/fixtures/posta-imapd')
import imapraw

def raw(m, line):
    """Sends one command line; returns (tagged reply without its tag, untagged lines)."""
    tagged, untagged = imapraw.raw(m, line)
    return tagged.split(' ', 1)[1], untagged

def imapd_pids():
    """carol's post-auth posta-imapd processes of this instance."""
    exe, pids = os.path.realpath(BIN + '/posta-imapd'), []
    for d in os.listdir('/proc'):
        if not d.isdigit():
            continue
        try:
            if os.readlink('/proc/%s/exe' % d) != exe:
                continue
            cmd = open('/proc/%s/cmdline' % d, 'rb').read().split(b'\0')
            env = open('/proc/%s/environ' % d, 'rb').read().split(b'\0')
        except OSError:
            continue
        want = ('MAILDIR=%s/mail/example.test/carol/' % PH).encode()
        if b'--post-auth' in cmd and any(e == want or e == want[:-1] for e in env):
            pids.append(int(d))
    return pids

def alive(pid):
    """Running (a zombie has finished: only its parent has not collected it yet)."""
    try:
        return not any(l.startswith('State:') and 'Z' in l.split()[1] for l in open('/proc/%d/status' % pid))
    except OSError:
        return False

def status_kb(pid, field):
    for l in open('/proc/%d/status' % pid):
        if l.startswith(field + ':'):
            return int(l.split()[1])
PY
}

@test "LIST/LSUB: a backtracking pattern against a 150-character name answers at once" {
  run timeout 60 $PY - <<PY
$(helpers)
long = 'a' * 150
m = login()
m.subscribe(long)
hostile = '*a' * 40 + '*b'  # exponential for a backtracking matcher: minutes to forever
for verb in ('LIST', 'LSUB'):
    t = time.monotonic()
    r, u = raw(m, '%s "" "%s"' % (verb, hostile))
    print(verb, r.split()[0], len(u), 'lines')
    assert time.monotonic() - t < 10, 'slow %s' % verb
r, u = raw(m, 'LIST "" "%s"' % ('%a' * 40 + '*a%'))  # '%' and '*' mixed, still matching
print('mixed', r.split()[0], [x[-30:] for x in u])
r, u = raw(m, 'LIST "" "*a*a*a%"')
print('match', sum(long in x for x in u), 'of', len(u))
r, u = raw(m, 'LIST "" "%s.%%"' % long)
print('child', len(u), u[0][-12:] if u else '')
r, u = raw(m, 'LIST "" "%s"' % ('*' * 1100))
print('long', r)
r, u = raw(m, 'LIST "" (%s)' % ' '.join(['%'] * 65))
print('many', r)
r, u = raw(m, 'LIST "" (%s)' % ' '.join(['Big'] * 64))
print('64', r.split()[0], len(u))
m.logout()
PY
  assert_success
  assert_line 'LIST OK 0 lines'
  assert_line 'LSUB OK 0 lines'
  assert_line --regexp "^mixed OK \[.*aaaaaaaa\"'\]"
  assert_line 'match 2 of 2'
  assert_line --regexp "^child 1 aaaaaaaaaaa\"$"
  assert_line --regexp '^long NO \[LIMIT\] Mailbox pattern too long'
  assert_line --regexp '^many NO \[LIMIT\] Too many mailbox patterns'
  assert_line '64 OK 1'
}

@test "a client that leaves in the middle of a hostile LIST leaves no process behind" {
  run timeout 60 $PY - <<PY
$(helpers)
before = set(imapd_pids())
m = login()
pids = [p for p in imapd_pids() if p not in before]
print('sessions', len(pids))
pats = ' '.join(['"%s"' % ('*a' * (30 + i) + '*b') for i in range(20)])
m.send(('x LIST "" (%s)\r\n' % pats).encode())
m.shutdown()  # gone before any answer
deadline = time.monotonic() + 15
while time.monotonic() < deadline and any(alive(p) for p in pids):
    time.sleep(0.1)
left = [p for p in pids if alive(p)]
print('left', len(left))
PY
  assert_success
  assert_line 'sessions 1'
  assert_line 'left 0'
}

@test "FETCH, UID FETCH, SEARCH, STORE, COPY, MOVE, UID EXPUNGE with 15,000 ranges on 3,000 messages: bounded memory" {
  run timeout 120 $PY - <<PY
$(helpers)
m = login()
typ, d = m.select('Big')
print('exists', d[0].decode())
pid, = imapd_pids()
stars = ','.join(['1:*'] * 15000)
small = ','.join(str(1 + i % 5) for i in range(15000))
r, u = raw(m, 'FETCH %s (UID)' % stars)
print('fetch', r.split()[0], len(u), len(set(u)))
r, u = raw(m, 'UID FETCH %s (FLAGS)' % stars)
print('uid fetch', r.split()[0], len(u))
r, u = raw(m, 'SEARCH %s' % stars)
print('search', r.split()[0], len(u[0].split()) - 2)
r, u = raw(m, 'UID SEARCH UID %s' % ','.join(['2999:*'] * 9000))  # 9,000: the 64 KiB line
print('uid search', r.split()[0], u)
r, u = raw(m, 'STORE %s +FLAGS.SILENT (\\\\Flagged)' % stars)
print('store', r.split()[0], len(u))
r, u = raw(m, 'COPY %s Dest' % small)
print('copy', r.split()[0], r.split()[1], r.split()[2], r.split()[3])
r, u = raw(m, 'UID STORE %s +FLAGS.SILENT (\\\\Deleted)' % small)
print('uid store', r.split()[0])
r, u = raw(m, 'UID EXPUNGE %s' % small)
print('uid expunge', r.split()[0], len(u))
r, u = raw(m, 'UID MOVE %s Dest' % ','.join(['6:8'] * 15000))
print('move', r.split()[0], len(u))
print('hwm_kb', status_kb(pid, 'VmHWM'))
m.logout()
PY
  assert_success
  assert_line 'exists 3000'
  assert_line 'fetch OK 3000 3000'
  assert_line 'uid fetch OK 3000'
  assert_line 'search OK 3000'
  assert_line "uid search OK ['* SEARCH 2999 3000']"
  assert_line 'store OK 0'
  assert_line --regexp '^copy OK \[COPYUID [0-9]+ 1,2,3,4,5$'
  assert_line 'uid store OK'
  assert_line 'uid expunge OK 5'
  assert_line --regexp '^move OK [0-9]+$'
  local hwm
  hwm=$(sed -n 's/^hwm_kb //p' <<<"$output")
  echo "posta-imapd VmHWM: $hwm kB" >&3
  # before the fix one such FETCH held 15,000 x 3,000 sequence numbers: 180 MB
  [ "$hwm" -lt 65536 ]
}
