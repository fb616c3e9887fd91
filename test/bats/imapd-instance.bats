#!/usr/bin/env bats
# posta-imapd behind posta-tcpd, posta-tlsd and posta-auth in a real instance:
# imaplib over TCP and STARTTLS, curl imap/imaps, mbsync two-way sync.

load ../lib/instance
FIX=$BATS_TEST_DIRNAME/../fixtures/posta-imapd

setup_file() {
  instance_create example.test
  echo yes >"$PH/control/authplaintext"
  printf 'secret-one\n' | posta user add alice@example.test --password-stdin >&2
  printf 'secret-two\n' | posta user add bob@example.test --password-stdin --quota-bytes 20000 >&2
  printf 'admin-pw\n' | posta user add admin@example.test --password-stdin >&2
  posta user set admin@example.test --master >&2
  # shared folders (RFC 4314): test/fixtures/posta-imapd/imapacl.py
  posta domain add other.test >&2
  for u in ann ben info; do printf 'pw-%s\n' $u | posta user add $u@example.test --password-stdin >&2; done
  printf 'pw-eve\n' | posta user add eve@other.test --password-stdin >&2
  printf 'secret-hib\n' | posta user add hib@example.test --password-stdin >&2
  echo 1 >"$PH/control/imaphibernatetimeout"  # the hibernation tests: quick to hibernate
  instance_start
}

teardown_file() { instance_stop; }

setup() { load_helpers; }

owner() { chown -R "$(stat -c %U "$PH")" "$@"; }

@test "imaplib over TCP: LOGIN, capabilities after login, special-use folders" {
  IMAP_PORT=$IMAP_PORT IMAP_USER=alice@example.test IMAP_PASS=secret-one run $PY "$FIX/imapcheck.py" basic
  assert_success
  assert_output --partial ok
}

@test "imaplib over TCP: APPEND and FETCH of a nested multipart, SEARCH keys" {
  IMAP_PORT=$IMAP_PORT IMAP_USER=alice@example.test IMAP_PASS=secret-one run $PY "$FIX/imapcheck.py" append_fetch
  assert_success
  IMAP_PORT=$IMAP_PORT IMAP_USER=alice@example.test IMAP_PASS=secret-one run $PY "$FIX/imapcheck.py" search
  assert_success
  assert_output --partial ok
}

@test "wrong password: NO [AUTHENTICATIONFAILED], then a good login on the same connection" {
  run $PY - "$IMAP_PORT" <<'PY'
import imaplib, sys
m = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]))
try:
    m.login('alice@example.test', 'wrong')
    print('accepted?!')
except imaplib.IMAP4.error as e:
    print('refused', e)
print(m.login('alice@example.test', 'secret-one')[0])
m.select('INBOX')
print(m.logout()[0])
PY
  assert_success
  assert_line --partial 'refused'
  assert_line --partial 'AUTHENTICATIONFAILED'
  assert_line OK
  assert_line BYE
}

@test "STARTTLS: offered before TLS, then LOGIN works inside TLS" {
  run $PY - "$IMAP_PORT" <<'PY'
import imaplib, ssl, sys
m = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]))
print('before', 'STARTTLS' in m.capabilities)
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
m.starttls(ssl_context=ctx)
print('after', 'STARTTLS' in m.capabilities, 'AUTH=PLAIN' in m.capabilities)
print(m.login('alice@example.test', 'secret-one')[0])
print(m.select('INBOX')[0])
PY
  assert_success
  assert_line 'before True'
  assert_line 'after False True'
  assert_line OK
}

@test "COMPRESS=DEFLATE inside TLS (imaps through posta-tlsd), as imaplib-based clients do it" {
  run $PY - "$IMAPS_PORT" "$FIX" <<'PY'
import socket, ssl, sys
sys.path.insert(0, sys.argv[2])
from compress_client import Conn
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
s = ctx.wrap_socket(socket.create_connection(('127.0.0.1', int(sys.argv[1]))))
c = Conn(s.sendall, lambda: s.recv(65536))
c.line()
t, u = c.cmd('COMPRESS DEFLATE')
print('before login', t.split()[1])
t, u = c.cmd('LOGIN alice@example.test secret-one')
print('login', t.split()[1], 'COMPRESS=DEFLATE' in t)
print('compress', c.compress()[0].split()[1])
t, u = c.cmd('SELECT INBOX')
print('select', t.split()[1])
t, u = c.cmd('LIST "" "*"')
print('list', t.split()[1], len(u) > 0)
print('again', ' '.join(c.cmd('COMPRESS DEFLATE')[0].split()[1:3]))
print('logout', c.cmd('LOGOUT')[0].split()[1])
PY
  assert_success
  assert_line 'before login BAD'
  assert_line 'login OK True'
  assert_line 'compress OK'
  assert_line 'select OK'
  assert_line 'list OK True'
  assert_line 'again NO [COMPRESSIONACTIVE]'
  assert_line 'logout OK'
}

@test "master user login user*admin opens the user's mailbox and is logged" {
  run $PY - "$IMAP_PORT" <<'PY'
import imaplib, sys
m = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]))
print(m._simple_command('LOGIN', '"bob@example.test*admin@example.test"', 'admin-pw')[0])
m.state = 'AUTH'
print(m.select('INBOX')[0])
PY
  assert_success
  assert_line OK
  wait_for 5 grep -q 'posta-imapd: info: login user=bob@example.test.*master=admin@example.test' "$PH/log/imap/current"
}

@test "curl imap: list, append, search, fetch; curl imaps fetch" {
  printf 'From: c@example.org\r\nSubject: curl test\r\n\r\ncurl body\r\n' >"$BATS_TEST_TMPDIR/m.eml"
  run curl -sS --user bob@example.test:secret-two -T "$BATS_TEST_TMPDIR/m.eml" "imap://127.0.0.1:$IMAP_PORT/INBOX"
  assert_success
  run curl -sS --user bob@example.test:secret-two "imap://127.0.0.1:$IMAP_PORT/"
  assert_success
  assert_line --partial '"Sent"'
  run curl -sS --user bob@example.test:secret-two -X 'SEARCH SUBJECT "curl test"' "imap://127.0.0.1:$IMAP_PORT/INBOX"
  assert_success
  assert_output --partial '* SEARCH 1'
  run curl -sS --user bob@example.test:secret-two "imap://127.0.0.1:$IMAP_PORT/INBOX;UID=1"
  assert_success
  assert_output --partial 'curl body'
  run curl -sSk --user bob@example.test:secret-two "imaps://127.0.0.1:$IMAPS_PORT/INBOX;UID=1;SECTION=HEADER.FIELDS%20(SUBJECT)"
  assert_success
  assert_output --partial 'Subject: curl test'
}

@test "QUOTA: GETQUOTAROOT reports usage; APPEND over quota gets NO [OVERQUOTA]" {
  run $PY - "$IMAP_PORT" <<'PY'
import imaplib, sys
m = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]))
m.login('bob@example.test', 'secret-two')
print(m.getquotaroot('INBOX'))
r = m.append('INBOX', None, None, b'Subject: big\r\n\r\n' + b'x' * 30000 + b'\r\n')
print(r)
PY
  assert_success
  assert_output --regexp 'STORAGE [0-9]+ 19' 
  assert_output --partial 'OVERQUOTA'
}

@test "folder cache: posta-local delivery, other sessions' flags and a corrupt cache are all seen" {
  local md=$PH/mail/example.test/alice
  printf 'From: s@example.org\nSubject: cache-one\n\nx\n' >"$BATS_TEST_TMPDIR/m1"
  printf 'From: s@example.org\nSubject: cache-two\n\nx\n' >"$BATS_TEST_TMPDIR/m2"
  run "$POSTA_BIN/posta-local" s@example.org alice@example.test <"$BATS_TEST_TMPDIR/m1"
  assert_success
  cat >"$BATS_TEST_TMPDIR/view.py" <<'PY'
import imaplib, sys
m = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]))
m.login('alice@example.test', 'secret-one')
m.select('INBOX')
if len(sys.argv) > 2:
    m.store(m.search(None, 'SUBJECT', 'cache-one')[1][0].decode(), '+FLAGS', '\\Flagged')
print('one', m.search(None, 'SUBJECT', 'cache-one')[1][0].decode() != '')
print('two', m.search(None, 'SUBJECT', 'cache-two')[1][0].decode() != '')
print('flagged', m.search(None, 'FLAGGED', 'SUBJECT', 'cache-one')[1][0].decode() != '')
m.logout()
PY
  touch -d '-1 min' "$md/new" "$md/cur"  # settled: this session writes the cache
  run $PY "$BATS_TEST_TMPDIR/view.py" "$IMAP_PORT"
  assert_success
  [ -s "$md/posta-index.cache" ] && [ -s "$md/posta-headers.cache" ]
  run "$POSTA_BIN/posta-local" s@example.org alice@example.test <"$BATS_TEST_TMPDIR/m2"
  assert_success
  run $PY "$BATS_TEST_TMPDIR/view.py" "$IMAP_PORT" flag  # sees the delivery; flags it
  assert_line 'two True'
  assert_line 'flagged True'
  touch -d '-1 min' "$md/new" "$md/cur"
  run $PY "$BATS_TEST_TMPDIR/view.py" "$IMAP_PORT"
  assert_line 'flagged True'
  # damaged caches are rebuilt, never trusted
  printf 'garbage' | dd of="$md/posta-index.cache" bs=1 seek=100 conv=notrunc 2>/dev/null
  printf 'garbage' | dd of="$md/posta-headers.cache" bs=1 seek=5 conv=notrunc 2>/dev/null
  run $PY "$BATS_TEST_TMPDIR/view.py" "$IMAP_PORT"
  assert_line 'one True'
  assert_line 'two True'
  assert_line 'flagged True'
}

@test "mbsync: two-way sync of 1,000 messages in 5 folders, then only the changes" {
  local L=$BATS_TEST_TMPDIR/local i f
  mkdir -p "$L"
  for f in INBOX A B C D; do
    d=$L/$f; [ $f = INBOX ] && d=$L/INBOX
    mkdir -p "$d"/{new,cur,tmp}
    for i in $(seq 1 200); do
      printf 'From: s@example.org\nSubject: %s %s\nMessage-ID: <%s.%s@x>\n\nbody %s\n' $f $i $f $i $i >"$d/cur/$i.$f.local:2,"
    done
  done
  cat >"$BATS_TEST_TMPDIR/mbsyncrc" <<EOF
IMAPAccount posta
Host 127.0.0.1
Port $IMAP_PORT
User alice@example.test
Pass secret-one
SSLType None
AuthMechs LOGIN

IMAPStore far
Account posta

MaildirStore near
Path $L/
Inbox $L/INBOX
SubFolders Verbatim

Channel sync
Far :far:
Near :near:
Patterns INBOX A B C D
Create Both
Expunge Both
SyncState *
EOF
  run timeout 300 mbsync -c "$BATS_TEST_TMPDIR/mbsyncrc" -a
  assert_success
  for f in A B C D; do
    # APPEND gives messages server-side names: count them, and find a local Message-ID
    [ "$(ls "$PH/mail/example.test/alice/.$f/cur" "$PH/mail/example.test/alice/.$f/new" | grep -vc '^$\|:$')" = 200 ]
    grep -lq "Message-ID: <$f.200@x>" "$PH/mail/example.test/alice/.$f"/cur/*
  done
  # changes on both sides: flags and a deletion on the server, a flag and a deletion locally
  run $PY - "$IMAP_PORT" <<'PY'
import imaplib, sys
m = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]))
m.login('alice@example.test', 'secret-one')
m.select('A')
m.store('1:3', '+FLAGS', '\\Flagged')
m.store('4:5', '+FLAGS', '\\Deleted')
m.expunge()
print('server changed')
PY
  assert_success
  f=$(ls "$L/B/cur" | head -1)
  mv "$L/B/cur/$f" "$L/B/cur/${f%%:2,*}:2,S"
  rm -f "$L/C/cur/$(ls "$L/C/cur" | head -1)"
  run timeout 120 mbsync -V -c "$BATS_TEST_TMPDIR/mbsyncrc" -a
  assert_success
  # nothing new was copied in either direction; flags and deletions were propagated
  refute_output --regexp 'F: \+[1-9]|N: \+[1-9]'
  [ "$(ls "$L/A/cur" | wc -l)" = 198 ]
  [ "$(ls "$L/A/cur" | grep -c ':2,.*F')" -ge 3 ]
  [ "$(ls "$PH/mail/example.test/alice/.C/cur" | wc -l)" = 199 ]
  ls "$PH/mail/example.test/alice/.B/cur" | grep -q ':2,.*S'
}

# Shared folders (RFC 4314). The four tests run in this order: each builds on ann's folders.
acl() { IMAP_PORT=$IMAP_PORT run $PY "$FIX/imapacl.py" "$1"; assert_success; assert_output --partial ok; }

@test "ACL: ann shares a folder with ben (lr, then more): LIST, SELECT, refused STORE/EXPUNGE/APPEND/SETACL, GETACL, LISTRIGHTS, MYRIGHTS" {
  acl owner_grants
  # DELETEACL of the last entry removed the folder's ACL file
  [ ! -e "$PH/mail/example.test/ann/.Projects/posta-acl" ]
}

@test "ACL: posta-user share, shares --json, unshare; another domain or an unknown folder refused" {
  posta user share ann@example.test Secret ben@example.test rl
  grep -qx 'ben@example.test lr' "$PH/mail/example.test/ann/.Secret/posta-acl"
  grep -qx 'ann@example.test	Secret' "$PH/mail/example.test/.shared/ben@example.test"
  acl after_cli_share
  run posta user shares ann@example.test --json
  assert_success
  assert_output '[{"owner":"ann@example.test","folder":"Secret","identifier":"ben@example.test","rights":"lr"}]'
  run posta user shares ben@example.test
  assert_output "$(printf 'ann@example.test\tSecret\tben@example.test\tlr')"
  run posta user share ann@example.test Secret eve@other.test lr
  assert_failure 2
  assert_output --partial 'only be granted to users of example.test'
  run posta user share ann@example.test NoSuch ben@example.test lr
  assert_failure 1
  run posta user share ann@example.test Secret nobody@example.test lr
  assert_failure 1
  run posta user share ann@example.test Secret ben@example.test lrq
  assert_failure 2
  run posta user share ann@example.test ../../other.test/eve ben@example.test lr
  assert_failure 2
  posta user share ann@example.test Secret ben@example.test lri
  acl append_drops_flags
  posta user unshare ann@example.test Secret ben@example.test
  [ ! -e "$PH/mail/example.test/ann/.Secret/posta-acl" ]
  acl after_cli_unshare
  run posta mail audit --action user-share --json
  assert_output --partial 'rights=rl'
}

@test "ACL: a team mailbox (info@ INBOX) open by ann and ben at once; the owner's legal hold and quota; a master session on it is audited" {
  posta user share info@example.test INBOX ann@example.test lrswite
  posta user share info@example.test INBOX ben@example.test lrswite
  echo info@example.test >"$PH/control/legalhold"
  acl team
  : >"$PH/control/legalhold"
  [ "$(ls "$PH/mail/.held/info@example.test/cur" | wc -l)" = 1 ]
  posta user share bob@example.test INBOX ann@example.test lri
  acl quota
  run $PY - "$IMAP_PORT" <<'PY'
import imaplib, sys
m = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]))
print(m._simple_command('LOGIN', '"ben@example.test*admin@example.test"', 'admin-pw')[0])
m.state = 'AUTH'
print(m.select('"Other Users.info@example.test.INBOX"')[0])
print(m.fetch('1', '(FLAGS)')[0])
PY
  assert_success
  refute_line NO
  run posta mail audit --user ben@example.test --json
  assert_output --partial 'Other Users.info@example.test.INBOX'
}

@test "ACL: an unshared folder answers as a missing one; names cannot reach another domain or leave the store" {
  posta user share ann@example.test Projects anyone lr
  acl guessing
}

hibernate_check() {
  POSTA_BIN=$POSTA_BIN run timeout 30 $PY "$FIX/hibernate_check.py" "$1" "$2" "$PH/mail/example.test/hib" \
    hib@example.test secret-hib "${3:-}"
}

@test "hibernation: IDLE hands over to posta-imap-hibernate; a delivery and another session's EXPUNGE wake it in the same IDLE; DONE, FETCH; malformed handovers refused" {
  printf 'From: s@example.org\nSubject: first\n\nx\n' | "$POSTA_BIN/posta-local" s@example.org hib@example.test
  hibernate_check plain "$IMAP_PORT" "$PH/run/imap-hibernate.sock"
  assert_success
  assert_line hibernated
  assert_line --regexp '^refused: no .*; no .*; no .*; no '
  assert_line --regexp '^woken with EXISTS [0-9]+$'
  assert_line 'woken with EXPUNGE 1'
  assert_line --regexp '^DONE, FETCH [0-9]+$'
  assert_line ok
}

@test "hibernation: imaps sessions (through posta-tlsd) hibernate and resume too" {
  hibernate_check tls "$IMAPS_PORT"
  assert_success
  assert_line hibernated
  assert_line --regexp '^woken with EXISTS'
  assert_line ok
}

@test "hibernation: with posta-imap-hibernate down, IDLE goes on in its process" {
  s6-svc -wD -d "$PH/service/imap-hibernate"
  hibernate_check down "$IMAP_PORT"
  s6-svc -wU -u "$PH/service/imap-hibernate"
  assert_success
  assert_line 'kept in IDLE'
}
