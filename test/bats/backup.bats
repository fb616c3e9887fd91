#!/usr/bin/env bats
# posta-backup and the backupd service against a throwaway instance: mail delivered over
# SMTP (smtplib) with flags set over IMAP (imaplib), backed up, damaged, killed, pruned and
# restored (posta-backup(8), posta-backupd(8)).
load ../lib/instance

D=example.test

setup_file() {
  instance_create $D
  echo alicepw | posta user add alice@$D --password-stdin >&2
  echo bobpw | posta user add bob@$D --password-stdin >&2
  instance_start
  # backupd stays down until its own tests: a scheduled run would race the others; so does
  # mailtasks, whose indexer opens the folders mail arrives in (giving UIDs) while the
  # round trips compare them with what was backed up
  s6-svc -d "$PH/service/backupd"
  s6-svc -wD -d "$PH/service/mailtasks"
  export POSTA_BACKUP_SCRYPT_LOG2N=12   # a cheap key derivation for tests
  export REPO=$PH/backup-repo
  echo "correct horse" >"${PH%/inst}/pass"
  chmod 600 "${PH%/inst}/pass"
  own "${PH%/inst}/pass"   # backupd's runs read it as the instance owner
  export POSTA_BACKUP_PASSPHRASE_FILE=${PH%/inst}/pass
  echo "$REPO" >"$PH/control/backuprepo"
  own "$PH/control/backuprepo"
  for i in 1 2 3 4 5; do deliver alice "a$i"; done
  deliver bob b1
  deliver bob b2
  wait_for 20 eval '[ "$(maildir_count alice@$D)" = 5 ] && [ "$(maildir_count bob@$D)" = 2 ]'
  # flags and a folder of alice's, over IMAP
  imap alice alicepw <<'PY'
c.select("INBOX")
c.store("1:2", "+FLAGS", "(\\Seen \\Flagged)")
c.store("3", "+FLAGS", "($Important)")
c.create("Contracts")
c.append("Contracts", "(\\Seen)", None, b"From: x@example.org\r\nMessage-ID: <c1@example.org>\r\nSubject: contract 1\r\n\r\nsigned\r\n")
c.append("Contracts", None, None, b"From: x@example.org\r\nMessage-ID: <c2@example.org>\r\nSubject: contract 2\r\n\r\nunsigned\r\n")
PY
  posta backup init >&2
  posta backup run >&2
}

teardown_file() {
  mountpoint -q "${PH%/inst}/full" 2>/dev/null && umount "${PH%/inst}/full"
  instance_stop
}

setup() {
  load_helpers
  T=${PH%/inst}/t$BATS_TEST_NUMBER
  mkdir -p "$T"
  own "$T"
}

own() { [ "$(id -u)" = 0 ] && chown -R "$(stat -c %U "$PH")" "$@"; return 0; }
md() { echo "$PH/mail/$D/$1"; }

# deliver USER ID: a message with Message-ID <ID@example.org> over SMTP
deliver() {
  $PY - "$SMTP_PORT" "$1@$D" "$2" <<'PY'
import smtplib, sys
port, rcpt, mid = int(sys.argv[1]), sys.argv[2], sys.argv[3]
msg = (f"From: sender@example.org\r\nTo: {rcpt}\r\nSubject: message {mid}\r\n"
       f"Message-ID: <{mid}@example.org>\r\nDate: Mon, 7 Dec 2026 10:00:00 +0000\r\n\r\nbody of {mid}\r\n")
with smtplib.SMTP("127.0.0.1", port) as s:
    s.sendmail("sender@example.org", [rcpt], msg)
PY
}

# imap USER PASSWORD < python: the statements run with c logged in
imap() {
  local body
  body=$(cat)
  $PY - "$IMAPS_PORT" "$1@$D" "$2" "$body" <<'PY'
import imaplib, ssl, sys
c = imaplib.IMAP4_SSL("127.0.0.1", int(sys.argv[1]), ssl_context=ssl._create_unverified_context())
c.login(sys.argv[2], sys.argv[3])
exec(sys.argv[4])
c.logout()
PY
}

# restores_from REPO [OUT]: the repository verifies and a whole restore of it (into OUT,
# default $T/out) holds message a3
restores_from() {
  local out=${2:-$T/out}
  run posta backup --repo "$1" verify
  assert_success
  run posta backup --repo "$1" restore --to "$out"
  assert_success
  [ -n "$(file_of "$out/mail" a3)" ]
}

# the file of the message with Message-ID <ID@...> under DIR
file_of() { grep -rl "^Message-ID: <$2@" "$1" 2>/dev/null | grep -v 'posta-.*cache' | head -n 1; }

@test "whole instance round trip: every Maildir file, control/ and the accounts databases" {
  run posta backup restore latest --to "$T/out" --sync
  assert_success
  # byte-identical, names (flags) included; only tmp/ contents and the rebuildable caches differ
  run diff -r -x 'posta-*.cache' -x posta-fts -x .fts-changed "$PH/mail" "$T/out/mail"
  assert_success
  run diff -r "$PH/control" "$T/out/control"
  assert_success
  assert_file_exists "$T/out/db/users.db"
  assert_file_exists "$T/out/db/secret/secrets.db"
  # the restored databases open and hold the users
  run posta user --home "$T/out" list
  assert_success
  assert_output --partial "alice@$D"
  assert_output --partial "bob@$D"
}

@test "the learned spam tokens and the policy state are in a snapshot; the queue only with control/backupqueue" {
  printf 'From: s@example.org\nSubject: cheap pills\n\nbuy cheap pills now\n' >"$T/spam.eml"
  own "$T/spam.eml"
  posta spamcheck learn --spam "$T/spam.eml" >&2
  run posta backup run
  assert_success
  run posta backup restore --to "$T/out"
  assert_success
  ls "$T/out/spam/db" | grep -qv '^__db' || fail "no spam database files: $(ls "$T/out/spam/db")"
  [ ! -e "$T/out/queue" ] || fail "queue backed up without control/backupqueue"
  echo yes >"$PH/control/backupqueue"
  own "$PH/control/backupqueue"
  run posta backup run
  rm -f "$PH/control/backupqueue"
  assert_success
  run posta backup restore --to "$T/out2"
  assert_success
  [ -d "$T/out2/queue" ]
}

@test "list and ls, text and --json" {
  run posta backup list --json
  assert_success
  $PY -c 'import json,sys; s=json.load(sys.stdin); assert len(s)>=1 and "alice@example.test" in s[-1]["users"]' <<<"$output"
  run posta backup ls latest alice@$D
  assert_success
  assert_line INBOX
  assert_line Contracts
  run posta backup ls latest alice@$D Contracts --json
  assert_success
  assert_output --partial '"message_id":"c1@example.org"'
}

@test "a progress line with a bar, rate and ETA on a terminal; none when stderr is not one" {
  run script -qec "$POSTA_BIN/posta-backup run" /dev/null
  assert_success
  assert_output --regexp '\[[#.]{20}\] +[0-9]+%  [0-9]+ files, [0-9.]+ [KMG]?i?B, [0-9.]+ [KMG]?i?B/s, ETA [0-9]+:[0-9]{2}'
  run posta backup run
  assert_success
  refute_output --partial 'ETA'
}

@test "restore one message by Message-ID: same bytes, same flags, into its folder" {
  local f
  f=$(file_of "$(md alice)/cur" a1)
  [ -n "$f" ]
  cp "$f" "$T/orig"
  local flags=${f##*:2,}
  rm "$f"
  run posta backup restore --message-id '<a1@example.org>'
  assert_success
  assert_output --partial "files=1"
  f=$(file_of "$(md alice)/cur" a1)
  [ -n "$f" ]
  cmp "$f" "$T/orig"
  [ "${f##*:2,}" = "$flags" ]
  # a second restore finds it there and adds nothing
  run posta backup restore --message-id '<a1@example.org>'
  assert_success
  assert_output --partial "files=0"
  [ "$(maildir_count alice@$D)" = 5 ]
  # IMAP sees it with the flags its name carries (which of a1-a5 got which flags depends on
  # the order the UIDs were given in)
  FLAGS=$flags imap alice alicepw <<'PY'
import os
c.select("INBOX")
typ, data = c.search(None, 'HEADER', 'Message-ID', 'a1@example.org')
typ, fl = c.fetch(data[0].split()[0], "(FLAGS)")
letters = os.environ["FLAGS"]
assert ("S" in letters) == (b"\\Seen" in fl[0]) and ("F" in letters) == (b"\\Flagged" in fl[0]), (letters, fl)
PY
}

@test "restore one folder" {
  rm -rf "$(md alice)/.Contracts"
  run posta backup restore --user alice@$D --folder Contracts
  assert_success
  assert_output --partial "files=2"
  [ -n "$(file_of "$(md alice)/.Contracts" c1)" ]
  [ -n "$(file_of "$(md alice)/.Contracts" c2)" ]
  imap alice alicepw <<'PY'
typ, data = c.select("Contracts")
assert typ == "OK" and data[0] == b"2", data
PY
  # or into a folder of their own, where the user finds them
  run posta backup restore --user alice@$D --folder Contracts --into-folder Restored
  assert_success
  assert_output --partial "files=2"
  imap alice alicepw <<'PY'
typ, data = c.select("Restored")
assert typ == "OK" and data[0] == b"2", data
PY
}

@test "restore a deleted user: account record, password and mail" {
  posta user del bob@$D >&2
  rm -rf "$(md bob)"
  run posta user show bob@$D
  assert_failure
  run posta backup restore --user bob@$D
  assert_success
  assert_output --partial "restored the account of bob@$D"
  [ "$(maildir_count bob@$D)" = 2 ]
  imap bob bobpw <<'PY'
typ, data = c.select("INBOX")
assert data[0] == b"2", data
PY
}

@test "--at: the snapshot taken at or before a time, between two runs" {
  posta backup run >&2
  sleep 1.1
  local t
  t=$(date +%s)
  sleep 1.1
  deliver alice late
  wait_for 20 eval '[ -n "$(file_of "$(md alice)/new" late)" ]'
  posta backup run >&2
  run posta backup restore --at "@$t" --to "$T/before"
  assert_success
  [ -z "$(file_of "$T/before/mail" late)" ]
  [ -n "$(file_of "$T/before/mail" a2)" ]
  run posta backup restore --at "@$(( $(date +%s) + 5 ))" --to "$T/after"
  assert_success
  [ -n "$(file_of "$T/after/mail" late)" ]
}

@test "a delivery and IMAP flag changes while a run goes: the run completes, the next has them" {
  # a big file so that the run takes a while
  head -c 30000000 /dev/urandom >"$(md alice)/new/1700000000.M1P1.big,S=30000000"
  own "$(md alice)/new"
  posta backup run >&2 &
  local pid=$!
  for i in 1 2 3; do deliver alice during$i; done
  imap alice alicepw <<'PY'
c.select("INBOX")
c.store("1:*", "+FLAGS", "(\\Answered)")
PY
  wait $pid
  rm -f "$(md alice)/new/1700000000.M1P1.big,S=30000000"
  wait_for 20 eval '[ -n "$(file_of "$(md alice)" during3)" ]'
  run posta backup run
  assert_success
  run posta backup restore --to "$T/out"
  assert_success
  run diff -r -x 'posta-*.cache' -x posta-fts -x .fts-changed "$PH/mail" "$T/out/mail"
  assert_success
}

@test "kill -9 during a run: the repository verifies and the next run completes" {
  head -c 60000000 /dev/urandom >"$(md alice)/new/1700000001.M1P1.big,S=60000000"
  own "$(md alice)/new"
  local before
  before=$(posta backup list | wc -l)
  "$POSTA_BIN/posta-backup" run >&2 &
  local pid=$!
  # wait until the run has written packs of the big file, then kill it
  wait_for 30 eval '[ -n "$(find "$REPO/packs" -name ".tmp.*" -size +1M)" ]'
  kill -9 $pid
  wait $pid || true
  run posta backup verify
  assert_success
  [ "$(posta backup list | wc -l)" = "$before" ]
  run posta backup run
  assert_success
  # what the killed run left is gone
  [ -z "$(find "$REPO" -name '.tmp.*')" ]
  run posta backup verify
  assert_success
  rm -f "$(md alice)/new/1700000001.M1P1.big,S=60000000"
}

@test "a flipped byte: verify names the object, restore refuses it and says which" {
  cp -a "$REPO" "$T/repo"
  # the first object of the first pack: the first file of the first run (control/), which
  # every snapshot since still holds
  local pack
  pack=$(ls -tr "$T"/repo/packs/*.pack | head -n 1)
  $PY - "$pack" <<'PY'
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(8 + 36 + 20)   # pack magic, record head (ID, length), into the sealed bytes
    b = f.read(1)
    f.seek(8 + 36 + 20)
    f.write(bytes([b[0] ^ 0x01]))
PY
  run posta backup --repo "$T/repo" verify
  assert_failure 1
  assert_output --regexp "damaged: pack [0-9a-f]{32} object [0-9a-f]{64}"
  local obj
  obj=$(grep -o 'object [0-9a-f]\{64\}' <<<"$output" | head -n 1)
  run posta backup --repo "$T/repo" restore --to "$T/out"
  assert_failure 1
  assert_output --partial "$obj"
  assert_output --partial "is damaged"
  # --json: the same problem, for a monitoring script
  run --separate-stderr posta backup --repo "$T/repo" verify --json
  assert_failure 1
  $PY -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["objects"] > 0 and d["snapshots"] > 0, d
assert any(p.get("object") == sys.argv[2] for p in d["problems"]), d' "$output" "${obj#object }"
  # the undamaged repository is untouched
  run posta backup verify
  assert_success
}

@test "wrong passphrase refused, the repository unchanged; key changes the passphrase" {
  echo wrong >"$T/wrong"
  local sums
  sums=$(cd "$REPO" && find . -type f ! -name '*lock' | sort | xargs sha256sum)
  run posta backup --passphrase-file "$T/wrong" list
  assert_failure 3
  assert_output --partial "wrong passphrase"
  run posta backup --passphrase-file "$T/wrong" run
  assert_failure 3
  [ "$(cd "$REPO" && find . -type f ! -name '*lock' | sort | xargs sha256sum)" = "$sums" ]
  cp -a "$REPO" "$T/repo"
  echo "new phrase" >"$T/new"
  run posta backup --repo "$T/repo" key --new-passphrase-file "$T/new"
  assert_success
  run posta backup --repo "$T/repo" list
  assert_failure 3
  run posta backup --repo "$T/repo" --passphrase-file "$T/new" list
  assert_success
}

@test "an rsync copy of the repository restores" {
  rsync -a "$REPO/" "$T/copy/"
  restores_from "$T/copy"
}

@test "prune keeps what the retention says, and what it keeps still restores" {
  cp -a "$REPO" "$T/repo"
  local n
  n=$(posta backup --repo "$T/repo" list | wc -l)
  [ "$n" -ge 3 ]
  run posta backup --repo "$T/repo" prune --keep-hourly 1 --dry-run
  assert_success
  # one hourly keeps one snapshot: the newest
  local newest
  newest=$(posta backup --repo "$T/repo" list | tail -n 1 | cut -d' ' -f1)
  [ "$(grep -c '^keep' <<<"$output")" = 1 ]
  assert_line "keep   $newest"
  run posta backup --repo "$T/repo" prune --keep-hourly 1 --dry-run --json
  assert_success
  $PY -c 'import json,sys; d=json.loads(sys.argv[1]); assert [x["snapshot"] for x in d if x["action"] == "keep"] == [sys.argv[2]], d
assert len(d) >= 3, d' "$output" "$newest"
  local before
  before=$(du -sb "$T/repo/packs" | cut -f1)
  run posta backup --repo "$T/repo" prune --keep-hourly 1
  assert_success
  run posta backup --repo "$T/repo" list
  assert_success
  assert_output --partial "$newest"
  [ "$(wc -l <<<"$output")" = 1 ]
  [ "$(du -sb "$T/repo/packs" | cut -f1)" -lt "$before" ]
  restores_from "$T/repo"
}

@test "kill -9 during prune, at each rename and removal: the repository verifies, the next prune completes" {
  # a snapshot with data that only it holds, then one without: prune has packs to rewrite
  head -c 100000 /dev/urandom >"$PH/control/junk"
  own "$PH/control/junk"
  posta backup run >&2
  rm "$PH/control/junk"
  posta backup run >&2
  # renames: the new pack, its index; unlinks: the snapshot records, then the old index and pack
  local point n
  for point in rename:when=1 rename:when=2 unlink:when=1 unlink:when=3 unlink:when=5; do
    n=${point//[:=]/-}
    cp -a "$REPO" "$T/repo-$n"
    run strace -f -o /dev/null -e trace="${point%%:*}" -e inject="$point:signal=KILL" \
      "$POSTA_BIN/posta-backup" --repo "$T/repo-$n" prune --keep-hourly 1
    [ "$status" -ne 0 ]
    restores_from "$T/repo-$n" "$T/out-$n-a"
    run posta backup --repo "$T/repo-$n" prune --keep-hourly 1
    assert_success
    [ "$(posta backup --repo "$T/repo-$n" list | wc -l)" = 1 ]
    restores_from "$T/repo-$n" "$T/out-$n-b"
  done
}

@test "run and prune exclude each other; readers do not wait for a run" {
  exec 8>"$REPO/run.lock"
  flock -x 8
  run posta backup run
  assert_failure 75
  assert_output --partial "busy"
  run posta backup prune --keep-daily 1
  assert_failure 75
  run posta backup list
  assert_success
  exec 8>&-
}

@test "a full disk under the repository: a clear failure, the repository intact" {
  mkdir -p "${PH%/inst}/full"
  if ! mount -t tmpfs -o size=3m tmpfs "${PH%/inst}/full" 2>/dev/null; then
    skip "cannot mount a small tmpfs here (not root, or no mount permission)"
  fi
  own "${PH%/inst}/full"
  run posta backup --repo "${PH%/inst}/full/repo" init
  assert_success
  run posta backup --repo "${PH%/inst}/full/repo" run
  assert_failure 111
  assert_output --partial "No space left on device"
  run posta backup --repo "${PH%/inst}/full/repo" verify
  assert_success
  run posta backup --repo "${PH%/inst}/full/repo" list
  assert_success
  assert_output ""
  umount "${PH%/inst}/full"
}

@test "backupd: off without control/backuprepo, then a run, a status file and a summary line" {
  # the service's environment is s6-svscan's: the passphrase file comes from control
  echo "$POSTA_BACKUP_PASSPHRASE_FILE" >"$PH/control/backupkeyfile"
  own "$PH/control/backupkeyfile"
  mv "$PH/control/backuprepo" "$T/backuprepo"
  s6-svc -u "$PH/service/backupd"
  wait_for 20 grep -q "off: no control/backuprepo" "$PH/log/backupd/current"
  mv "$T/backuprepo" "$PH/control/backuprepo"
  local before
  before=$(posta backup list | wc -l)
  s6-svc -r "$PH/service/backupd"
  wait_for 60 grep -q "^result ok" "$PH/run/backupd.status"
  [ "$(posta backup list | wc -l)" -gt "$before" ]
  run grep -c "posta-backup: info: snapshot .* files=" "$PH/log/backupd/current"
  [ "$output" -ge 1 ]
  grep -q "^consecutive_failures 0" "$PH/run/backupd.status"
}

@test "backupd: failed runs counted in the status file, the postmaster told" {
  echo "$PH/no-such-repo" >"$PH/control/backuprepo"
  echo 1 >"$PH/control/backupalert"
  own "$PH/control"
  rm -f "$PH/run/backupd.status"
  s6-svc -r "$PH/service/backupd"
  wait_for 60 grep -q "^result failed" "$PH/run/backupd.status"
  grep -q "^consecutive_failures 1" "$PH/run/backupd.status"
  wait_for 20 grep -q "alerted the postmaster" "$PH/log/backupd/current"
  echo "$REPO" >"$PH/control/backuprepo"
  s6-svc -d "$PH/service/backupd"
}
