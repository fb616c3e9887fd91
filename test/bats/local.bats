#!/usr/bin/env bats
# posta-local driven directly: message file on fd 0, SENDER RECIPIENT on argv.
# Forwards and lists are checked through a recording fake queue program (POSTA_QUEUE)
# and once through the real posta-queue; end-to-end tests through posta-send are in
# queue.bats.

load ../lib/instance

D=example.test

setup_file() {
  instance_create $D
  local u
  for u in alice bob carol dave; do posta user add $u@$D --no-password >&2; done
  posta user add small@$D --no-password --quota-bytes 2200 --quota-messages 3 >&2
  posta alias add fwd@$D carol@$D remote@elsewhere.test >&2
  posta alias add dave@$D bob@$D --keep-copy >&2
  posta alias add loop1@$D loop2@$D >&2
  posta alias add loop2@$D loop1@$D >&2
  posta list create team@$D --posting members --description "The Team" >&2
  posta list add team@$D alice@$D bob@$D member@remote.test >&2
  posta list create open@$D --posting anyone --reply-to list >&2
  posta list add open@$D alice@$D >&2
  posta list create news@$D --posting moderators --moderator boss@$D >&2
  posta list add news@$D alice@$D >&2
  posta domain add catch.test --catchall bob@$D >&2
  # the recording queue program; runs as the instance owner after posta-local drops root
  FQ=$(dirname "$PH")/fq
  mkdir -p "$FQ"
  cat >"$FQ/queue" <<'SH'
#!/bin/sh
d=$(dirname "$0")
cat >"$d/msg"
tr '\0' '\n' <&1 >"$d/env"
[ -n "${FQ_TEXT:-}" ] && printf '%s' "$FQ_TEXT" >&6
exit "${FQ_EXIT:-0}"
SH
  chmod 755 "$FQ/queue"
  chown -R "$(stat -c %u:%g "$PH")" "$FQ"
  export FQ
}

teardown_file() { instance_stop; }

setup() {
  load_helpers
  MSG=$BATS_TEST_TMPDIR/msg
  printf 'From: Alice <alice@%s>\nTo: bob@%s\nSubject: test\n\nhello\n' $D $D >"$MSG"
  rm -f "$FQ/msg" "$FQ/env"
}

# deliver SENDER RECIPIENT [FILE]: posta-local with the message on fd 0
deliver() {
  run --separate-stderr "$POSTA_BIN/posta-local" "$1" "$2" <"${3:-$MSG}"
}
# fake_deliver: the same with the recording queue program
fake_deliver() {
  run --separate-stderr env POSTA_QUEUE="$FQ/queue" "$POSTA_BIN/posta-local" "$1" "$2" <"${3:-$MSG}"
}
newest() { ls -t "$1"/* 2>/dev/null | head -1; }
md() { echo "$PH/mail/$D/$1"; }
count() { find "$1" -maxdepth 1 -type f | wc -l; }

@test "user: Maildir delivery with Return-Path and Delivered-To at the top, name per spec" {
  deliver sender@remote.test alice@$D
  assert_success
  assert_output --partial "delivered to alice@$D"
  local f
  f=$(newest "$(md alice)/new")
  [ -n "$f" ]
  run head -2 "$f"
  assert_line -n 0 "Return-Path: <sender@remote.test>"
  assert_line -n 1 "Delivered-To: alice@$D"
  run tail -n +3 "$f"
  assert_output "$(cat "$MSG")"
  # <sec>.M<usec>P<pid>Q<n>.<host>,S=<size>,W=<size with CRLF>, nothing left in tmp/
  local name size vsize
  name=$(basename "$f")
  [[ $name =~ ^[0-9]+\.M[0-9]+P[0-9]+Q[0-9]+\.[^/:]+,S=([0-9]+),W=([0-9]+)$ ]]
  size=${BASH_REMATCH[1]} vsize=${BASH_REMATCH[2]}
  [ "$size" = "$(stat -c %s "$f")" ]
  [ "$vsize" = $((size + $(wc -l <"$f"))) ]
  [ "$(count "$(md alice)/tmp")" = 0 ]
  [ "$(stat -c %U "$f")" = "$(stat -c %U "$PH")" ]
}

@test "null sender gets Return-Path: <>; Delivered-To uses the address as given" {
  deliver "" ALICE@Example.TEST
  assert_success
  run head -2 "$(newest "$(md alice)/new")"
  assert_line -n 0 "Return-Path: <>"
  assert_line -n 1 "Delivered-To: ALICE@example.test"
}

@test "input on a pipe (not seekable) is delivered too" {
  run --separate-stderr bash -c "cat '$MSG' | '$POSTA_BIN/posta-local' a@remote.test bob@$D"
  assert_success
  run grep -c "^Subject: test" "$(newest "$(md bob)/new")"
  assert_output 1
}

@test "sub-address: user+tag to the inbox, user+Folder into an existing folder" {
  local before
  before=$(count "$(md bob)/new")
  deliver a@remote.test bob+shopping@$D
  assert_success
  [ "$(count "$(md bob)/new")" = $((before + 1)) ]
  run grep -l "^Delivered-To: bob+shopping@$D" "$(md bob)"/new/*
  assert_success
  deliver a@remote.test bob+Archive@$D
  assert_success
  assert_output --partial "folder Archive"
  [ "$(count "$(md bob)/.Archive/new")" = 1 ]
  # a tag that is no valid address or folder name never becomes a path
  deliver a@remote.test "bob+../../x@$D"
  assert_failure 100
  [ ! -e "$PH/mail/x" ]
}

@test "alias: re-injected with the original envelope sender and Delivered-To" {
  fake_deliver orig@remote.test fwd@$D
  assert_success
  assert_output --partial "forwarded to 2 recipients"
  run cat "$FQ/env"
  assert_output "$(printf 'Forig@remote.test\nTcarol@%s\nTremote@elsewhere.test\n' $D)"
  run head -1 "$FQ/msg"
  assert_output "Delivered-To: fwd@$D"
  run tail -n +2 "$FQ/msg"
  assert_output "$(cat "$MSG")"
  # the null sender stays null
  fake_deliver "" fwd@$D
  assert_success
  run head -1 "$FQ/env"
  assert_output "F"
}

@test "alias with --keep-copy: local copy and forward" {
  local before
  before=$(count "$(md dave)/new")
  fake_deliver orig@remote.test dave@$D
  assert_success
  [ "$(count "$(md dave)/new")" = $((before + 1)) ]
  run cat "$FQ/env"
  assert_output "$(printf 'Forig@remote.test\nTbob@%s\n' $D)"
}

@test "alias forward through the real posta-queue lands in the spool" {
  [ -x "$POSTA_BIN/posta-queue" ] || skip "posta-queue is not built yet"
  printf 'Subject: real-queue-fwd\n\nx\n' >"$MSG"
  deliver keep@sender.test fwd@$D
  assert_success
  run grep -rl "^Subject: real-queue-fwd" "$PH/queue/mess"
  assert_success
  local m=$output
  run grep -c "^Delivered-To: fwd@$D" "$m"
  assert_output 1
  # the committed envelope keeps the original sender and both targets
  run grep -rla "keep@sender.test" "$PH/queue/todo" "$PH/queue/info"
  assert_success
  run grep -ac "remote@elsewhere.test" $output
  assert_success
}

@test "queue program failures: temporary 111, permanent 100, custom D/Z text" {
  FQ_EXIT=53 fake_deliver a@remote.test fwd@$D
  assert_failure 111
  FQ_EXIT=31 fake_deliver a@remote.test fwd@$D
  assert_failure 100
  FQ_EXIT=82 FQ_TEXT='D5.3.4 Message too big' fake_deliver a@remote.test fwd@$D
  assert_failure 100
  assert_output --partial "5.3.4 Message too big"
  FQ_EXIT=82 FQ_TEXT='Zdisk busy' fake_deliver a@remote.test fwd@$D
  assert_failure 111
  run --separate-stderr env POSTA_QUEUE=/nonexistent/queue "$POSTA_BIN/posta-local" a@remote.test fwd@$D <"$MSG"
  assert_failure 111
}

@test "list: expanded to members with List-Id, List-Post, List-Unsubscribe and bounce sender" {
  printf 'From: alice@%s\nList-Id: <old.list.test>\nSubject: hi team\n\nbody\n' $D >"$MSG"
  fake_deliver alice@$D team@$D
  assert_success
  run cat "$FQ/env"
  assert_output "$(printf 'Fteam-bounces@%s\nTalice@%s\nTbob@%s\nTmember@remote.test\n' $D $D $D)"
  run cat "$FQ/msg"
  assert_line "Delivered-To: team@$D"
  assert_line "List-Id: The Team <team.$D>"
  assert_line "List-Post: <mailto:team@$D>"
  assert_line "List-Unsubscribe: <mailto:team-request@$D?subject=unsubscribe>"
  assert_line "Precedence: list"
  refute_line "List-Id: <old.list.test>"
  assert_line "Subject: hi team"
  assert_line "body"
}

@test "list posting policies: members, moderators, anyone with Reply-To; refusals are permanent" {
  fake_deliver stranger@remote.test team@$D
  assert_failure 100
  assert_output --partial "only members may post"
  [ ! -e "$FQ/env" ]
  fake_deliver "" team@$D
  assert_failure 100
  assert_output --partial "null sender"
  fake_deliver alice@$D news@$D
  assert_failure 100
  assert_output --partial "only moderators may post"
  fake_deliver boss@$D news@$D
  assert_success
  printf 'From: x@remote.test\nReply-To: <x@remote.test>\nSubject: s\n\nb\n' >"$MSG"
  fake_deliver x@remote.test open@$D
  assert_success
  run cat "$FQ/msg"
  assert_line "Reply-To: <open@$D>"
  refute_line "Reply-To: <x@remote.test>"
}

@test "list-bounces and list-request go to the moderators (postmaster without)" {
  fake_deliver "" news-bounces@$D
  assert_success
  run cat "$FQ/env"
  assert_output "$(printf 'F\nTboss@%s\n' $D)"
  fake_deliver a@remote.test team-request@$D
  assert_success
  run sed -n 2p "$FQ/env"
  assert_output "Tpostmaster@$D"
}

@test "catch-all of a domain delivers to its local user" {
  local before
  before=$(count "$(md bob)/new")
  deliver a@remote.test anything@catch.test
  assert_success
  [ "$(count "$(md bob)/new")" = $((before + 1)) ]
  run grep -l "^Delivered-To: anything@catch.test" "$(md bob)"/new/*
  assert_success
}

@test "unknown user, non-local domain and bad addresses fail permanently" {
  deliver a@remote.test nobody@$D
  assert_failure 100
  assert_output --partial "no such user"
  deliver a@remote.test someone@not-ours.test
  assert_failure 100
  deliver a@remote.test "no-at-sign"
  assert_failure 100
  run --separate-stderr "$POSTA_BIN/posta-local" onlyone </dev/null
  assert_failure 100
  assert_output --partial usage
}

@test "disabled user fails permanently" {
  posta user add gone@$D --no-password >&2
  posta user disable gone@$D >&2
  deliver a@remote.test gone@$D
  assert_failure 100
  assert_output --partial disabled
}

@test "loop: Delivered-To for this recipient, or more than 100 Received lines" {
  printf 'Delivered-To: someone@else.test\nDelivered-To: Alice@Example.test\nSubject: l\n\nx\n' >"$MSG"
  deliver a@remote.test alice@$D
  assert_failure 100
  assert_output --partial "loop"
  # two aliases pointing at each other: the second pass stops
  fake_deliver a@remote.test loop1@$D
  assert_success
  cp "$FQ/msg" "$BATS_TEST_TMPDIR/pass1"
  fake_deliver a@remote.test loop2@$D "$BATS_TEST_TMPDIR/pass1"
  assert_success
  cp "$FQ/msg" "$BATS_TEST_TMPDIR/pass2"
  fake_deliver a@remote.test loop1@$D "$BATS_TEST_TMPDIR/pass2"
  assert_failure 100
  assert_output --partial "loop"
  local i
  { for i in $(seq 100); do echo "Received: from hop$i by x; Mon, 1 Jan 2024 00:00:00 +0000"; done
    printf 'Subject: many hops\n\nx\n'; } >"$MSG"
  deliver a@remote.test alice@$D
  assert_success
  { echo "Received: from hop0 by x"; cat "$MSG"; } >"$BATS_TEST_TMPDIR/101"
  deliver a@remote.test alice@$D "$BATS_TEST_TMPDIR/101"
  assert_failure 100
  assert_output --partial "Received"
}

@test "quota: over quota is 111 until control/quotabounce days, then 100; maildirsize kept" {
  head -c 900 /dev/zero | tr '\0' x >"$BATS_TEST_TMPDIR/body"
  { printf 'Subject: big\n\n'; cat "$BATS_TEST_TMPDIR/body"; echo; } >"$MSG"
  deliver a@remote.test small@$D
  assert_success
  run cat "$(md small)/maildirsize"
  assert_line -n 0 "2200S,3C"
  deliver a@remote.test small@$D
  assert_success
  # a third ~980 byte message would go over 2200 bytes
  POSTA_QUEUE_TIME=$(( $(date +%s) - 3600 )) deliver a@remote.test small@$D
  assert_failure 111
  assert_output --partial "mailbox over quota"
  deliver a@remote.test small@$D          # no queue time known: temporary
  assert_failure 111
  POSTA_QUEUE_TIME=$(( $(date +%s) - 8 * 86400 )) deliver a@remote.test small@$D
  assert_failure 100
  assert_output --partial "mailbox over quota"
  echo 1 >"$PH/control/quotabounce"
  POSTA_QUEUE_TIME=$(( $(date +%s) - 2 * 86400 )) deliver a@remote.test small@$D
  assert_failure 100
  rm "$PH/control/quotabounce"
  [ "$(count "$(md small)/new")" = 2 ]
  # a small message still fits the bytes, then the message count (3) is the limit
  printf 'Subject: s\n\nx\n' >"$MSG"
  deliver a@remote.test small@$D
  assert_success
  deliver a@remote.test small@$D
  assert_failure 111
  # raising the quota lets it through; maildirsize follows the new definition
  posta user set small@$D --quota-messages 10 >&2
  deliver a@remote.test small@$D
  assert_success
  run head -1 "$(md small)/maildirsize"
  assert_output "2200S,10C"
}

@test "X-Spam-Flag: YES goes to .Junk; control/junkfolder no keeps it in the inbox" {
  printf 'X-Spam-Flag: YES\nSubject: spam\n\nbuy\n' >"$MSG"
  local inbox junk
  inbox=$(count "$(md carol)/new") junk=$(count "$(md carol)/.Junk/new")
  deliver a@remote.test carol@$D
  assert_success
  assert_output --partial "folder Junk"
  [ "$(count "$(md carol)/.Junk/new")" = $((junk + 1)) ]
  [ "$(count "$(md carol)/new")" = "$inbox" ]
  printf 'X-Spam-Flag: NO\nSubject: ham\n\nhi\n' >"$BATS_TEST_TMPDIR/ham"
  deliver a@remote.test carol@$D "$BATS_TEST_TMPDIR/ham"
  [ "$(count "$(md carol)/new")" = $((inbox + 1)) ]
  echo no >"$PH/control/junkfolder"
  deliver a@remote.test carol@$D
  assert_success
  [ "$(count "$(md carol)/new")" = $((inbox + 2)) ]
  echo Spam >"$PH/control/junkfolder"
  deliver a@remote.test carol@$D
  assert_success
  [ "$(count "$(md carol)/.Spam/new")" = 1 ]
  [ "$(cat "$(md carol)/.Spam/posta-specialuse")" = '\Junk' ]   # clients see it as the spam folder
  rm "$PH/control/junkfolder"
  # a Junk folder removed by the user is created again
  rm -rf "$(md carol)/.Junk"
  deliver a@remote.test carol@$D
  assert_success
  [ -f "$(md carol)/.Junk/maildirfolder" ]
  [ "$(count "$(md carol)/.Junk/new")" = 1 ]
}

@test "missing Maildir is created; a broken one gives 111 and leaves nothing behind" {
  posta user add eve@$D --no-password >&2
  rm -rf "$(md eve)"
  deliver a@remote.test eve@$D
  assert_success
  [ "$(count "$(md eve)/new")" = 1 ]
  rm -rf "$(md eve)/new"
  touch "$(md eve)/new"
  deliver a@remote.test eve@$D
  assert_failure 111
  [ "$(count "$(md eve)/tmp")" = 0 ]
}

@test "many deliveries get distinct names" {
  posta user add many@$D --no-password >&2
  local i
  for i in $(seq 30); do "$POSTA_BIN/posta-local" a@remote.test many+x@$D <"$MSG" >/dev/null 2>&1 & done
  wait
  [ "$(ls "$(md many)/new" | sort -u | wc -l)" = 30 ]
  run bash -c "ls '$(md many)/new' | grep -c ':'"
  assert_output 0
  [ "$(count "$(md many)/tmp")" = 0 ]
}
