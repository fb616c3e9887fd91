#!/usr/bin/env bats
# A system-mode instance (posta-setup --system, as root): every program under its role user
# (INTERNALS.md "System mode"), the qmail-style spool permissions, the shared database group,
# and one message end to end: swaks -> posta-smtpd (posta-d) -> posta-queue (setuid posta-q)
# -> posta-send (posta-s) -> posta-lspawn/posta-local (posta-v) -> Maildir -> POP3S and IMAPS
# through posta-auth (setuid root, then posta-v). Skipped when not root.

load ../lib/instance

is_root() { [ "$(id -u)" = 0 ]; }

setup_file() {
  is_root || return 0
  instance_create example.test --system
  printf 'pw-alice\n' | posta user add alice@example.test --password-stdin >&2
  instance_start
}

teardown_file() {
  is_root || return 0
  if [ -f "$PH/../sink.pid" ]; then kill "$(cat "$PH/../sink.pid")" 2>/dev/null || true; fi
  instance_stop
}

setup() {
  load_helpers
  is_root || skip "system mode needs root"
}

# as USER[:GROUP] COMMAND...: run with exactly that uid and gid, no supplementary groups.
# Through env: setpriv execs its argument still holding root's capabilities (an exec
# permission check would pass), env execs the command without them.
as() {
  local u=${1%%:*} g=${1#*:}; shift
  [ "$g" != "$u" ] || g=$(id -gn "$u")
  setpriv --reuid="$u" --regid="$g" --clear-groups env "$@"
}

# delivered_count TEXT: messages in alice's new/ that contain TEXT
delivered_count() { grep -rlF "$1" "$PH/mail/example.test/alice/new" | wc -l; }
delivered() { [ "$(delivered_count "$1")" -eq 1 ]; }
delivered_any() { [ "$(maildir_count alice@example.test)" -ge 1 ]; }

gid_of() { getent group "$1" | cut -d: -f3; }

# the one process whose command line starts with $PH/bin/NAME
pid_of() { pgrep -f "^$PH/bin/$1( |\$)" | head -1; }

@test "--system: set-id copies in the instance's bin/, spool, database and store modes" {
  assert_equal "$(stat -c '%U:%G %a' "$PH/bin")" "root:root 755"
  assert_equal "$(stat -c '%U:%G %a' "$PH/bin/posta-queue")" "posta-q:root 4711"
  assert_equal "$(stat -c '%U:%G %a' "$PH/bin/posta-auth")" "root:posta 4750"
  assert_equal "$(stat -c '%U:%G %a' "$PH/bin/posta-spamcheck")" "posta-c:posta 4750"
  assert_equal "$(stat -c '%U:%G %a' "$PH/spam")" "posta-c:posta 750"
  assert_equal "$(stat -c '%U:%G %a' "$PH/spam/tmp")" "posta-c:posta 700"
  assert_equal "$(stat -c '%U:%G %a' "$PH/spam/learn")" "posta-c:posta 710"
  assert_equal "$(stat -c '%U:%G %a' "$PH/spam/learn/tmp")" "posta-c:posta 3730"
  assert_equal "$(stat -c '%U:%G %a' "$PH/spam/learn/new")" "posta-c:posta 3730"
  assert_equal "$(cat "$PH/control/smtpqueue" | grep -v '^#')" "$PH/bin/posta-spamcheck"
  [ -L "$PH/bin/posta-send" ]
  assert_equal "$(stat -c '%U:%G %a' "$PH/queue")" "posta-q:posta-spool 750"
  assert_equal "$(stat -c '%U:%G %a' "$PH/queue/mess")" "posta-q:posta-spool 2750"
  assert_equal "$(stat -c '%U:%G %a' "$PH/queue/todo")" "posta-q:posta-spool 2770"
  assert_equal "$(stat -c '%U:%G %a' "$PH/queue/info")" "posta-s:posta-spool 2770"
  assert_equal "$(stat -c '%U:%G %a' "$PH/queue/lock/trigger")" "posta-q:posta-spool 660"
  assert_equal "$(stat -c '%U:%G %a' "$PH/db")" "root:root 700"
  assert_equal "$(stat -c '%U:%G %a' "$PH/accounts")" "root:posta 2750"
  assert_equal "$(stat -c '%U:%G %a' "$PH/mail")" "posta-v:posta 700"
  # a refresh (after a rebuild) copies the set-id programs again, with the same modes
  run "$POSTA_BIN/posta-setup" --home "$PH" --update-services
  assert_success
  assert_equal "$(stat -c '%U:%G %a' "$PH/bin/posta-queue")" "posta-q:root 4711"
  assert_equal "$(stat -c '%U:%G %a' "$PH/bin/posta-auth")" "root:posta 4750"
  run grep -c "POSTA_BIN=$PH/bin" "$PH/service/send/run"
  assert_output 1
  # the published copy: the four lookup tables, root's, readable by group posta only
  for f in users domains aliases lists; do
    assert_equal "$f $(stat -c '%U:%G %a' "$PH/accounts/$f.db")" "$f root:posta 640"
  done
}

@test "the queue family runs as its role users, without root's groups" {
  local spool db prog user pid
  spool=$(gid_of posta-spool) db=$(gid_of posta)
  for pair in send:posta-s lspawn:posta-v rspawn:posta-r clean:posta-q; do
    prog=posta-${pair%%:*} user=${pair#*:}
    pid=$(pid_of "$prog")
    [ -n "$pid" ] || fail "$prog is not running"
    assert_equal "$prog $(ps -o user= -p "$pid")" "$prog $user"
    assert_equal "$prog $(ps -o group= -p "$pid")" "$prog posta-spool"
    run awk '/^Groups:/ {$1=""; print}' "/proc/$pid/status"
    if [ "$prog" = posta-clean ]; then assert_equal "$(echo $output)" "$spool"
    else assert_equal "$(echo $output)" "$spool $db"; fi
  done
  pid=$(pid_of posta-tcpd)
  assert_equal "$(ps -o user=,group= -p "$pid" | tr -s ' ')" "posta-d posta"
  pid=$(pid_of posta-tlsd)
  assert_equal "$(ps -o user= -p "$pid")" "posta-tls"
}

@test "SMTP in as posta-d, delivered by posta-local as posta-v, read over POP3S and IMAPS" {
  # an open SMTP session: its posta-smtpd is there to look at
  exec 5<>"/dev/tcp/127.0.0.1/$SMTP_PORT"
  read -r -t 10 greeting <&5
  [[ $greeting == 220* ]]
  wait_for 10 pgrep -f "^$PH/bin/posta-smtpd"
  pid=$(pgrep -f "^$PH/bin/posta-smtpd" | head -1)
  assert_equal "$(ps -o user=,group= -p "$pid" | tr -s ' ')" "posta-d posta"
  exec 5>&-
  run swaks --to alice@example.test --from bob@remote.test --server 127.0.0.1 --port "$SMTP_PORT" \
    --header "Subject: system mode hello" --body "end to end"
  assert_success
  wait_for 20 delivered_any
  run find "$PH/mail/example.test/alice/new" -type f ! -user posta-v
  assert_output ""
  run curl -s -k --max-time 20 --user alice@example.test:pw-alice "pop3s://127.0.0.1:$POP3S_PORT/1"
  assert_success
  assert_output --partial "Subject: system mode hello"
  run curl -s -k --max-time 20 --user alice@example.test:pw-alice "imaps://127.0.0.1:$IMAPS_PORT/INBOX;UID=1"
  assert_success
  assert_output --partial "Subject: system mode hello"
  # a wrong password is refused (posta-auth's exit 1 reaches the client)
  run curl -s -k --max-time 20 --user alice@example.test:wrong "pop3s://127.0.0.1:$POP3S_PORT/1"
  assert_failure
}

@test "STARTTLS: posta-smtpd and posta-imapd (posta-d) hand their connection to posta-tlsd" {
  run swaks --to alice@example.test --from bob@remote.test --server 127.0.0.1 --port "$SMTP_PORT" \
    -tls --header "Subject: system mode starttls" --body "over STARTTLS"
  assert_success
  assert_output --partial "TLS started"
  wait_for 20 delivered "system mode starttls"
  run curl -s --ssl-reqd -k --max-time 20 --user alice@example.test:pw-alice \
    "imap://127.0.0.1:$IMAP_PORT/INBOX" -X "STATUS INBOX (MESSAGES)"
  assert_success
  assert_output --partial "MESSAGES"
}

@test "only the setuid posta-queue writes the spool; its files belong to posta-q" {
  s6-svc -wd -T 10000 -d "$PH/service/send"
  # any local user may inject: bin/posta-sendmail is a wrapper that names the instance
  printf 'Subject: queued by nobody\n\nwaiting\n' |
    as nobody:nogroup "$PH/bin/posta-sendmail" alice@example.test
  # the setuid copy takes its instance from its own location, not from POSTA_HOME
  local t="$PH/../inject"
  printf 'Subject: queued directly\n\nwaiting\n' >"$t.msg"
  printf 'Fnobody@example.test\0Talice@example.test\0\0' >"$t.env"
  chmod 644 "$t.msg" "$t.env"
  as nobody:nogroup POSTA_HOME=/nonexistent "$PH/bin/posta-queue" <"$t.msg" 1<"$t.env"
  run find "$PH/queue/mess" -type f -printf '%u:%g %m\n'
  assert_output "$(printf 'posta-q:posta-spool 640\nposta-q:posta-spool 640')"
  run find "$PH/queue/todo" -type f -printf '%u:%g %m\n'
  assert_output "$(printf 'posta-q:posta-spool 660\nposta-q:posta-spool 660')"
  # the plain (not setuid) binary cannot, nor can posta-d by hand
  run as posta-d:posta env POSTA_HOME="$PH" "$POSTA_BIN/posta-queue" </dev/null
  assert_equal "$status" 61
  run as posta-d:posta touch "$PH/queue/mess/x"
  assert_failure
  s6-svc -u "$PH/service/send"
  wait_for 20 delivered "queued by nobody"
  wait_for 20 delivered "queued directly"
  run grep -rh '^Received: (posta-queue' "$PH/mail/example.test/alice/new"
  assert_output --partial "invoked by uid $(id -u nobody)"
  wait_for 20 _instance_ready "$PH/service/send"
}

@test "posta-queued writes as posta-q; posta-d's posta-smtpd hands it the message" {
  local pid spool
  spool=$(gid_of posta-spool)
  pid=$(pid_of posta-queued)
  [ -n "$pid" ] || fail "posta-queued is not running"
  assert_equal "$(ps -o user=,group= -p "$pid" | tr -s ' ')" "posta-q posta-spool"
  run awk '/^Groups:/ {$1=""; print}' "/proc/$pid/status"
  assert_equal "$(echo $output)" "$spool"
  assert_equal "$(stat -c '%U:%G %a' "$PH/run/queue.sock")" "root:posta 660"
  s6-svc -wd -T 10000 -d "$PH/service/send"
  run swaks --to alice@example.test --from bob@remote.test --server 127.0.0.1 --port "$SMTP_PORT" \
    --header "Subject: system mode queued" --body "through posta-queued"
  assert_success
  # the stored envelope: written by the daemon (p), for posta-c (u: the resident content
  # filter, which posta-smtpd handed the message), spool files as ever
  run find "$PH/queue/todo" -type f -printf '%u:%g %m\n'
  assert_output "posta-q:posta-spool 660"
  run bash -c "tr '\0' '\n' <$PH/queue/todo/* | grep '^[pu]'"
  assert_output "$(printf 'u%s\np%s' "$(id -u posta-c)" "$pid")"
  # posta-c passes on what posta-d handed it: the network origin counts (posta-queue(8) ORIGIN)
  run bash -c "tr '\0' '\n' <$PH/queue/todo/* | grep '^o'"
  assert_output "onet"
  s6-svc -u "$PH/service/send"
  wait_for 20 delivered "system mode queued"
  wait_for 20 _instance_ready "$PH/service/send"
  # through posta-spamcheck serve (posta-c), which posta-smtpd handed it to
  [ "$(ps -o user= -p "$(pgrep -f "posta-spamcheck serve -D $PH/run/spamcheck.sock" | head -n 1)")" = posta-c ]
  grep -rl "system mode queued" "$PH/mail/example.test/alice/new" | xargs grep -q '^X-Spam-Status: No, score='
  wait_for 5 grep -q 'posta-spamcheck: info: passed id=.* verdict=ham' "$PH/log/spamcheck/current"
}

@test "remote delivery: posta-remote runs as posta-r" {
  local port sink="$PH/../sink"
  port=$((PORT_BASE + 2550))  # no standard port offset ends in 50: no other suite picks it
  mkdir -p "$sink"
  /usr/bin/python3 "$BATS_TEST_DIRNAME/../fixtures/posta-remote/sink.py" --listen "127.0.0.1:$port" \
    --dir "$sink" --delay 2 >"$sink.log" 2>&1 &
  echo $! >"$PH/../sink.pid"
  wait_for 10 test -f "$sink/ready"
  # an IP literal route: no DNS at all (and a resolver on loopback, should one be asked)
  # a DKIM key made by root is given to posta-r, who signs with it
  posta domain dkim-keygen example.test --selector s1 --type ed25519 >/dev/null
  assert_equal "$(stat -c '%U %a' "$PH/dkim/example.test/s1.key")" "posta-r 600"
  echo "remote.test:127.0.0.1:$port" >"$PH/control/smtproutes"
  echo "127.0.0.1:9" >"$PH/control/resolvers"
  # a local user's own address: signed (posta-remote(8) DKIM); another's: not
  posta user add nobody@example.test --no-password >/dev/null
  printf 'Subject: not my address\n\nout\n' |
    as nobody:nogroup "$PH/bin/posta-sendmail" -f alice@example.test carol@remote.test
  printf 'Subject: to the remote side\n\nout\n' |
    as nobody:nogroup "$PH/bin/posta-sendmail" -f nobody@example.test carol@remote.test
  # the sink holds the session for 2 s after DATA: posta-remote is there to look at
  wait_for 20 pgrep -f "^$PH/bin/posta-remote"
  pid=$(pgrep -f "^$PH/bin/posta-remote" | head -1)
  assert_equal "$(ps -o user=,group= -p "$pid" | tr -s ' ')" "posta-r posta-spool"
  wait_for 20 grep -rqs "Subject: to the remote side" "$sink"
  wait_for 20 grep -rqs "Subject: not my address" "$sink"
  run grep -rh "^RCPT" "$sink"
  assert_output "$(printf 'RCPT carol@remote.test\nRCPT carol@remote.test')"
  run grep -l "^DKIM-Signature: .*d=example.test" "$(grep -rl "Subject: to the remote side" "$sink")"
  assert_success
  run grep -c "^DKIM-Signature:" "$(grep -rl "Subject: not my address" "$sink")"
  assert_output 0
}

# envelope_of SUBJECT: the stored envelope (todo/) of the queued message with that subject,
# one item a line
envelope_of() {
  local m; m=$(grep -l "^Subject: $1\$" "$PH"/queue/mess/* | head -1)
  tr '\0' '\n' <"$PH/queue/todo/${m##*/}"
}

@test "a local user's POSTA_AUTH_USER and TCPREMOTEIP are ignored; posta-d's count" {
  s6-svc -wd -T 10000 -d "$PH/service/send"
  local t="$PH/../forge"
  for s in forged-queue forged-sendmail daemon-queue; do printf 'Subject: %s\n\nx\n' $s >"$t.$s"; done
  printf 'Falice@example.test\0Talice@example.test\0\0' >"$t.env"
  chmod 644 "$t".*
  as nobody:nogroup POSTA_AUTH_USER=alice@example.test TCPREMOTEIP=192.0.2.1 POSTA_ORIGIN=bounce \
    "$PH/bin/posta-queue" <"$t.forged-queue" 1<"$t.env"
  as nobody:nogroup POSTA_AUTH_USER=alice@example.test TCPREMOTEIP=192.0.2.1 \
    "$PH/bin/posta-sendmail" -f alice@example.test alice@example.test <"$t.forged-sendmail"
  as posta-d:posta POSTA_AUTH_USER=alice@example.test TCPREMOTEIP=192.0.2.1 \
    "$PH/bin/posta-queue" <"$t.daemon-queue" 1<"$t.env"
  for s in forged-queue forged-sendmail; do
    run envelope_of $s
    assert_line "u$(id -u nobody)"
    assert_line "olocal:nobody"
    refute_line --regexp "^A"
    run grep -h '^Received: (posta-queue' $(grep -l "^Subject: $s\$" "$PH"/queue/mess/*)
    assert_output --partial "invoked by uid $(id -u nobody))"
  done
  run envelope_of daemon-queue
  assert_line "Aalice@example.test"
  assert_line "oauth:alice@example.test"
  run grep -h '^Received: (posta-queue' $(grep -l "^Subject: daemon-queue\$" "$PH"/queue/mess/*)
  assert_output --partial "invoked from network)"
  s6-svc -u "$PH/service/send"
  wait_for 20 delivered "Subject: forged-sendmail"
  wait_for 20 _instance_ready "$PH/service/send"
}

@test "posta-d and posta-c read neither the TLS key nor the spool nor the mail store; nobody writes bin/" {
  # nor does posta-c, the content filter's user
  for u in posta-d:posta posta-c:posta; do
    run as "$u" cat "$PH/tls/key.pem"
    assert_failure
    run as "$u" ls "$PH/queue"
    assert_failure
    run as "$u" ls "$PH/mail"
    assert_failure
  done
  run as posta-tls cat "$PH/tls/key.pem"
  assert_success
  for u in posta-d:posta posta-s:posta-spool posta-v:posta-spool posta-r:posta-spool posta-c:posta; do
    run as "$u" touch "$PH/bin/x"
    assert_failure
    run as "$u" sh -c "echo >> '$PH/bin/posta-auth'"
    assert_failure
  done
  # posta-auth and posta-spamcheck may be run by the pre-auth servers' group only
  run as nobody:nogroup "$PH/bin/posta-auth" true 3</dev/null
  assert_equal "$status" 126
  run as nobody:nogroup "$PH/bin/posta-spamcheck" </dev/null
  assert_equal "$status" 126
}

@test "password hashes are out of reach of posta-d (guarantee 2)" {
  # yescrypt hashes start with $y$: no file that posta-d can read may hold one
  run as posta-d:posta sh -c "grep -rlF '\$y\$' '$PH/db' 2>/dev/null"
  if [ -n "$output" ] && [ ! -d "$PH/db/secret" ]; then
    skip "hashes still share the db/ environment with posta-d: $(echo $output)"
  fi
  assert_output ""
}

# a users record that would make its holder master of every mailbox
planted_user() {
  printf 'VERSION=3\nformat=bytevalue\ntype=btree\nHEADER=END\n'
  printf ' %s\n' "$(printf 'example.test/mallory' | od -An -tx1 | tr -d ' \n')"
  printf ' %s\n' "$(printf 'posta-user 1\naddress=mallory@example.test\nlocal=mallory\ndomain=example.test\npassword=$6$x$y\nenabled=1\nquota_bytes=0\nquota_messages=0\nmaildir=/tmp/\nstore_host=\ncreated=0\nlast_login=0\nmaster=1\n' | od -An -tx1 | tr -d ' \n')"
  printf 'DATA=END\n'
}

@test "what grants access is root's: no role writes the accounts, their copy or the secrets" {
  local dump; dump=$(dirname "$PH")/planted.dump  # a directory every role can read
  planted_user >"$dump"
  chmod 644 "$dump"
  run as posta-d:posta cat "$dump"
  assert_success
  run db5.3_load -f "$dump" "$(dirname "$PH")/scratch.db"  # a well-formed dump: root may load it
  assert_success
  for u in posta-d:posta posta-s:posta-spool posta-v:posta-spool posta-r:posta-spool; do
    # db/ (the environment: records, cache regions, log) is closed to every role
    run as "$u" ls "$PH/db"
    assert_failure
    for f in users.db domains.db aliases.db lists.db ratelimit.db __db.001 __db.register secret/secrets.db; do
      run as "$u" sh -c "echo >> '$PH/db/$f'"
      assert_failure
    done
    run as "$u" db5.3_load -h "$PH/db" -f "$dump" users.db
    assert_failure
    run as "$u" db5.3_dump -h "$PH/db" users.db
    assert_failure
    # the published copy: read, never written, replaced or added to
    for f in users.db domains.db aliases.db lists.db; do
      run as "$u" sh -c "echo >> '$PH/accounts/$f'"
      assert_failure
    done
    run as "$u" db5.3_load -f "$dump" "$PH/accounts/users.db"
    assert_failure
    run as "$u" db5.3_load -f "$dump" "$PH/accounts/new.db"
    assert_failure
    run as "$u" mv "$PH/accounts/users.db" "$PH/accounts/old.db"
    assert_failure
    # nor the list of programs posta-auth may run as the store owner
    run as "$u" sh -c "echo /bin/sh >> '$PH/control/authprograms'"
    assert_failure
  done
  assert_not_exist "$PH/control/authprograms"
  # posta-d (supplementary posta for the others) reads what a lookup needs, no hash, no master flag
  run as posta-d:posta db5.3_dump -p "$PH/accounts/users.db"
  assert_success
  assert_output --partial "address=alice@example.test"
  refute_output --partial 'password=$'
  refute_output --partial "master=1"
  refute_output --partial mallory
  run as nobody:nogroup db5.3_dump -p "$PH/accounts/users.db"
  assert_failure
  # and nothing changed: mallory cannot log in, alice still can
  run as posta-d:posta sh -c "printf 'alice*mallory@example.test\0y\0\0' | '$PH/bin/posta-auth' /bin/true 3<&0"
  assert_failure 1
  run curl -s -k --max-time 20 --user alice@example.test:pw-alice "pop3s://127.0.0.1:$POP3S_PORT/"
  assert_success
}

@test "system mode: posta-auth believes TCPREMOTEIP from posta-d only" {
  run as posta-d:posta sh -c "printf 'alice@example.test\0wrong\0\0' | TCPREMOTEIP=203.0.113.77 '$PH/bin/posta-auth' /bin/true 3<&0"
  assert_failure 1
  assert_output --partial "ip=203.0.113.77"
  # another member of group posta cannot charge failures to (or hide behind) an address
  run as posta-v:posta sh -c "printf 'alice@example.test\0wrong\0\0' | TCPREMOTEIP=203.0.113.78 '$PH/bin/posta-auth' /bin/true 3<&0"
  assert_failure 1
  assert_output --partial "ip=-"
  refute_output --partial "203.0.113.78"
}

@test "system mode: a user added while running gets mail (the roles read the new copy)" {
  printf 'pw-carol\n' | posta user add carol@example.test --password-stdin
  run swaks --to carol@example.test --from bob@remote.test --server 127.0.0.1 --port "$SMTP_PORT" \
    --header "Subject: for carol" --body "copy"
  assert_success
  wait_for 20 eval "grep -rqs 'Subject: for carol' '$PH/mail/example.test/carol/new'"
  posta user disable carol@example.test
  run swaks --to carol@example.test --from bob@remote.test --server 127.0.0.1 --port "$SMTP_PORT" \
    --header "Subject: for carol again" --body "copy"
  assert_failure
  assert_output --partial "5.2.1"
  run curl -s -k --max-time 20 --user carol@example.test:pw-carol "pop3s://127.0.0.1:$POP3S_PORT/"
  assert_failure
}

@test "posta-authd holds the hashes as root; only group posta may ask it, posta-auth goes through it" {
  local pid; pid=$(pid_of posta-authd)
  [ -n "$pid" ] || fail "posta-authd is not running"
  assert_equal "$(ps -o user= -p "$pid")" "root"
  assert_equal "$(stat -c '%U:%G %a' "$PH/run/authd.sock")" "root:posta 660"
  run as nobody:nogroup $PY -c "import socket,sys; socket.socket(socket.AF_UNIX).connect(sys.argv[1])" "$PH/run/authd.sock"
  assert_failure
  echo "/usr/bin/id -un" >"$PH/control/authprograms"
  run as posta-d:posta sh -c "printf 'alice@example.test\0pw-alice\0\0' | POSTA_AUTH_TIMING=1 '$PH/bin/posta-auth' /usr/bin/id -un 3<&0"
  rm "$PH/control/authprograms"
  assert_success
  assert_line posta-v
  assert_output --partial "timing: path=daemon"
  # a program not allowed: posta-d's shell never runs as posta-v
  run as posta-d:posta sh -c "printf 'alice@example.test\0pw-alice\0\0' | '$PH/bin/posta-auth' /bin/sh -c 'id -un' 3<&0"
  assert_failure 111
  refute_line posta-v
  assert_output --partial "not a post-auth program"
}

@test "posta-policyd runs as posta-d and owns policy/; only group posta may ask it" {
  local pid; pid=$(pid_of posta-policyd)
  [ -n "$pid" ] || fail "posta-policyd is not running"
  assert_equal "$(ps -o user=,group= -p "$pid" | tr -s ' ')" "posta-d posta"
  assert_equal "$(stat -c '%U:%G %a' "$PH/run/policy.sock")" "root:posta 660"
  assert_equal "$(stat -c '%U %a' "$PH/policy")" "posta-d 700"
  run as nobody:nogroup $PY -c "import socket,sys; socket.socket(socket.AF_UNIX).connect(sys.argv[1])" "$PH/run/policy.sock"
  assert_failure
  run as posta-d:posta $PY -c "import socket,sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b'rate system-test 1 60\n'); print(s.recv(100).decode().strip())" "$PH/run/policy.sock"
  assert_success
  assert_output ok
}

@test "posta-imap-hibernate runs as posta-v; its socket is posta-v's alone" {
  local pid; pid=$(pgrep -f "/posta-imap-hibernate -D $PH/" | head -1)
  [ -n "$pid" ] || fail "posta-imap-hibernate is not running"
  assert_equal "$(ps -o user= -p "$pid" | tr -d ' ')" "posta-v"
  assert_equal "$(stat -c '%U %a' "$PH/run/imap-hibernate.sock")" "posta-v 600"
  run as posta-d:posta $PY -c "import socket,sys; socket.socket(socket.AF_UNIX).connect(sys.argv[1])" "$PH/run/imap-hibernate.sock"
  assert_failure
}

@test "system mode: a move into Junk over IMAPS (posta-v) leaves a request the learner (posta-c) applies" {
  s6-svc -d "$PH/service/spamlearn"
  wait_for 20 sh -c "[ \"\$(s6-svstat -o up '$PH/service/spamlearn')\" = false ]"
  run swaks --to alice@example.test --from bob@remote.test --server 127.0.0.1 --port "$SMTP_PORT" \
    --header "Subject: learn-me" --body "a message alice calls spam"
  assert_success
  wait_for 20 delivered "Subject: learn-me"
  run $PY - "$IMAPS_PORT" <<'PY'
import imaplib, ssl, sys
m = imaplib.IMAP4_SSL("127.0.0.1", int(sys.argv[1]), ssl_context=ssl._create_unverified_context())
m.login("alice@example.test", "pw-alice")
m.create("Junk")
m.select("INBOX")
typ, data = m.uid("SEARCH", None, "HEADER", "Subject", "learn-me")
print("MOVE", m.uid("MOVE", data[0].split()[0].decode(), "Junk")[0])
m.logout()
PY
  assert_success
  assert_line "MOVE OK"
  # a copy owned by posta-v, readable by the group posta; nobody in the group lists new/
  run find "$PH/spam/learn/new" -type f -user posta-v -group posta -perm 0640
  assert_equal "${#lines[@]}" 1
  req=${lines[0]}
  grep -q "Subject: learn-me" "$req"
  run as posta-d:posta ls "$PH/spam/learn/new"
  assert_failure
  run as posta-v:posta ls "$PH/spam/learn/new"
  assert_failure
  run as posta-d:posta rm -f "$req"
  [ -e "$req" ]
  run "$PH/bin/posta-spamcheck" learn --requests
  s6-svc -u "$PH/service/spamlearn"
  assert_success
  assert_output "learned 1, moved 0, already 0, vanished 0, dropped 0, failed 0"
  [ -z "$(ls "$PH/spam/learn/new")" ]
}

@test "posta-setup --system needs root" {
  run as nobody:nogroup "$POSTA_BIN/posta-setup" --system --home "$(dirname "$PH")/other" --domain x.test
  assert_equal "$status" 111
  assert_output --partial "needs root"
  [ ! -e "$(dirname "$PH")/other" ]
}

@test "ManageSieve after login and posta-user sieve (run as root) store scripts as the mail store owner, posta-v" {
  printf 'require "fileinto";\nfileinto "Junk";\n' >"$BATS_TEST_TMPDIR/s.sieve"
  run sieve-connect --server 127.0.0.1 --port "$MANAGESIEVE_PORT" --user alice@example.test --noclearauth \
    --tlscafile "$PH/tls/cert.pem" --tlshostname example.test --passwordfd 3 \
    --upload --localsieve "$BATS_TEST_TMPDIR/s.sieve" --remotesieve viaclient 3<<<pw-alice
  assert_success
  run posta user sieve put alice@example.test viaadmin "$BATS_TEST_TMPDIR/s.sieve"
  assert_success
  run posta user sieve activate alice@example.test viaclient
  assert_success
  run find "$PH/mail/example.test/alice/sieve" ! -user posta-v
  assert_output ""
  [ "$(readlink "$PH/mail/example.test/alice/sieve/active")" = viaclient.sieve ]
  rm -rf "$PH/mail/example.test/alice/sieve"
}
