#!/usr/bin/env bats
# posta-domain, posta-user, posta-alias, posta-list against a real instance (Berkeley DB).

load ../lib/instance

setup_file() {
  instance_create example.test
}

teardown_file() { instance_stop; }

setup() { load_helpers; }

verify_db() {
  local f
  for f in users domains aliases lists secret/secrets; do
    [ -f "$1/db/$f.db" ] || continue
    as_owner timeout 60 db5.3_verify -q -h "$1/db/$(dirname "$f")" "$(basename "$f").db" || return 1
  done
}

json() { $PY -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

@test "posta-setup's domain exists; databases were created on first use" {
  run posta domain list
  assert_success
  assert_line example.test
  assert_file_exists "$PH/db/domains.db"
  if [ "$(id -u)" = 0 ]; then
    run find "$PH/db" -user root
    assert_output ""
  fi
}

@test "domain add/show/set/list in text and JSON; duplicates and bad names refused" {
  run posta domain add Example.ORG --max-accounts 3 --quota-bytes 1M
  assert_success
  run posta domain add example.org
  assert_failure 1
  assert_output --partial "already exists"
  run posta domain add 'bad_name.org'
  assert_failure 2
  run posta domain show example.org
  assert_success
  assert_line "max_accounts: 3"
  assert_line "default_quota_bytes: 1048576"
  run posta domain set example.org --catchall postmaster@example.org --dkim-selector s1
  assert_success
  run bash -c "'$POSTA_BIN/posta-domain' show example.org --json | $PY -c 'import json,sys; d=json.load(sys.stdin); print(d[\"catchall\"], d[\"dkim_selector\"], d[\"max_accounts\"])'"
  assert_output "postmaster@example.org s1 3"
  run bash -c "'$POSTA_BIN/posta-domain' list --json | $PY -c 'import json,sys; print(sorted(d[\"name\"] for d in json.load(sys.stdin)))'"
  assert_output "['example.org', 'example.test']"
  run posta domain show nosuch.org
  assert_failure 1
  run posta domain frobnicate
  assert_failure 2
}

@test "user add creates the Maildir with Maildir++ folders; show and list in text and JSON" {
  run bash -c "echo 'pw-alice' | '$POSTA_BIN/posta-user' add alice@example.org --password-stdin --quota-messages 500"
  assert_success
  local md=$PH/mail/example.org/alice
  for d in cur new tmp .Drafts/cur .Sent/new .Trash/tmp .Junk/cur .Archive/new; do assert_dir_exists "$md/$d"; done
  assert_file_exists "$md/.Sent/maildirfolder"
  run cat "$md/subscriptions"
  assert_output "$(printf 'Drafts\nSent\nTrash\nJunk\nArchive')"
  if [ "$(id -u)" = 0 ]; then
    run stat -c %U "$md/.Sent/cur"
    assert_output "$(stat -c %U "$PH")"
  fi
  run posta user show alice@example.org
  assert_success
  assert_line "quota_bytes: 1048576"
  assert_line "quota_messages: 500"
  assert_line "password: set"
  refute_output --partial '$y$'
  run bash -c "'$POSTA_BIN/posta-user' show ALICE@EXAMPLE.ORG --json | $PY -c 'import json,sys; d=json.load(sys.stdin); print(d[\"address\"], d[\"maildir\"], d[\"enabled\"], d[\"has_password\"])'"
  assert_output "alice@example.org $md/ True True"
  run posta user list example.org
  assert_output alice@example.org
}

@test "user add: unknown domain, existing user, account limit, no password: refused clearly" {
  run posta user add bob@unknown.org --no-password
  assert_failure 1
  assert_output --partial "unknown domain unknown.org"
  assert [ ! -e "$PH/mail/unknown.org" ]
  run posta user add alice@example.org --no-password
  assert_failure 1
  assert_output --partial "already exists"
  run posta user add nopass@example.org </dev/null
  assert_failure 2
  assert_output --partial "no password"
  posta user add u2@example.org --no-password
  posta user add u3@example.org --no-password
  run posta user add u4@example.org --no-password
  assert_failure 1
  assert_output --partial "limit of 3 accounts"
  assert [ ! -e "$PH/mail/example.org/u4" ]
}

@test "invalid addresses are refused with a clear message and nothing is written" {
  local before after long
  before=$(posta user export; find "$PH/mail" | sort)
  long=$(printf 'a%.0s' $(seq 1 250))@example.test
  for bad in 'noat.example.test' $'ctl\x01x@example.test' $'tab\tx@example.test' "$long" \
             '../x@example.test' '..@example.test' 'a/b@example.test' 'x@../example.test' \
             '@example.test' 'user@' 'sp ace@example.test'; do
    run posta user add "$bad" --no-password
    assert_failure 2
    assert_output --partial "invalid address"
  done
  run posta alias add 'x/y@example.test' alice@example.org
  assert_failure 2
  run posta alias add 'ok@example.test' 'not an address'
  assert_failure 2
  run posta list create '../l@example.test'
  assert_failure 2
  after=$(posta user export; find "$PH/mail" | sort)
  assert_equal "$after" "$before"
  run posta alias list
  assert_output ""
}

@test "user passwd, set, disable/enable, del keeps the Maildir unless --purge" {
  posta user add carol@example.test --no-password
  run bash -c "echo newpw | '$POSTA_BIN/posta-user' passwd carol@example.test --password-stdin"
  assert_success
  run posta user set carol@example.test --quota-bytes 2G --store-host store2 --master
  assert_success
  run posta user show carol@example.test
  assert_line "quota_bytes: 2147483648"
  assert_line "store_host: store2"
  assert_line "master: yes"
  posta user disable carol@example.test
  run posta user show carol@example.test
  assert_line "enabled: no"
  posta user enable carol@example.test
  run posta user set carol@example.test --quota-bytes lots
  assert_failure 2
  run posta user set nobody@example.test --quota-bytes 1
  assert_failure 1
  posta user add dave@example.test --no-password
  posta user del carol@example.test
  assert_dir_exists "$PH/mail/example.test/carol/cur"
  posta user del dave@example.test --purge
  assert [ ! -e "$PH/mail/example.test/dave" ]
  run posta user del dave@example.test
  assert_failure 1
}

@test "aliases and lists: add, show, list in text and JSON" {
  run posta alias add postmaster@example.org alice@example.org ext@remote.test --keep-copy
  assert_success
  run posta alias add postmaster@example.org alice@example.org
  assert_failure 1
  run posta alias add x@unknown.org alice@example.org
  assert_failure 1
  run posta alias list
  assert_output "postmaster@example.org: alice@example.org, ext@remote.test (keep copy)"
  run bash -c "'$POSTA_BIN/posta-alias' show postmaster@example.org --json | $PY -c 'import json,sys; d=json.load(sys.stdin); print(d[\"targets\"], d[\"keep_copy\"])'"
  assert_output "['alice@example.org', 'ext@remote.test'] True"
  run posta list create dev@example.org --posting moderators --reply-to list --description "Developers" --moderator alice@example.org
  assert_success
  run posta list create alice@example.org
  assert_failure 1
  posta list add dev@example.org alice@example.org bob@remote.test
  run posta list add dev@example.org ALICE@example.org
  assert_failure 1
  run posta list members dev@example.org
  assert_output "$(printf 'alice@example.org\nbob@remote.test')"
  posta list remove dev@example.org bob@remote.test
  run posta list remove dev@example.org bob@remote.test
  assert_failure 1
  posta list set dev@example.org --posting anyone
  run bash -c "'$POSTA_BIN/posta-list' list --json | $PY -c 'import json,sys; d=json.load(sys.stdin)[0]; print(d[\"address\"], d[\"posting\"], d[\"reply_to\"], d[\"members\"], d[\"moderators\"])'"
  assert_output "dev@example.org anyone list ['alice@example.org'] ['alice@example.org']"
  run posta list show dev@example.org
  assert_line "description: Developers"
  run posta list set dev@example.org --posting sometimes
  assert_failure 2
}

@test "export then import into a fresh instance gives the same data" {
  local out=$BATS_TEST_TMPDIR new=$(dirname "$PH")/new
  for t in domain user alias list; do posta $t export >"$out/$t.tsv"; done
  mkdir -p "$new" && chown "$(stat -c %u:%g "$PH")" "$new"
  for t in domain user alias list; do
    run posta $t --home "$new" import <"$out/$t.tsv"
    assert_success
  done
  for t in domain user alias list; do
    run diff "$out/$t.tsv" <(posta $t --home "$new" export)
    assert_success
  done
  assert_dir_exists "$new/mail/example.org/alice/.Junk/cur"
  run diff <(posta user show alice@example.org --json | sed "s|$PH|HOME|") \
           <(posta user --home "$new" show alice@example.org --json | sed "s|$new|HOME|")
  assert_success
  verify_db "$new"
}

@test "import refuses a malformed file and writes nothing" {
  local new=$(dirname "$PH")/bad
  mkdir -p "$new" && chown "$(stat -c %u:%g "$PH")" "$new"
  posta domain --home "$new" add example.net
  printf 'a@example.net\t\t1\t0\t0\t\t\t0\t0\t0\nb@example.net\t{PLAIN}x\t1\t0\t0\t\t\t0\t0\t0\n' >"$BATS_TEST_TMPDIR/u.tsv"
  run posta user --home "$new" import <"$BATS_TEST_TMPDIR/u.tsv"
  assert_failure 2
  assert_output --partial "line 2"
  printf 'c@example.net\t\t1\t0\n' | { run posta user --home "$new" import; assert_failure 2; }
  run posta user --home "$new" list
  assert_output ""
}

@test "20 parallel posta-user add: all users present, database verifies" {
  posta domain add par.test
  local i pids=()
  for i in $(seq 1 20); do
    "$POSTA_BIN/posta-user" add "p$i@par.test" --no-password 2>/dev/null &
    pids+=($!)
  done
  local fails=0
  for p in "${pids[@]}"; do wait "$p" || fails=$((fails+1)); done
  assert_equal "$fails" 0
  run bash -c "'$POSTA_BIN/posta-user' list par.test | wc -l"
  assert_output 20
  run verify_db "$PH"
  assert_success
}

@test "kill -9 during a 10,000-user import: the database opens and holds a prefix" {
  local new=$(dirname "$PH")/kill tsv=$BATS_TEST_TMPDIR/big.tsv
  mkdir -p "$new" && chown "$(stat -c %u:%g "$PH")" "$new"
  posta domain --home "$new" add big.test
  local hash
  hash=$(posta user export example.org | awk -F'\t' '$1=="alice@example.org"{print $2}')
  seq -f "u%05g" 0 9999 | awk -v h="$hash" '{printf "%s@big.test\t%s\t1\t0\t0\t\t\t0\t1700000000\t0\n", $1, h}' >"$tsv"
  # Maildirs are skipped (--no-maildir) to keep the suite fast; the database is the point.
  # One transaction per user: the import is then slow enough (10,000 synchronous commits)
  # that the kill always lands in the middle, even on a fast machine.
  "$POSTA_BIN/posta-user" --home "$new" import --no-maildir --batch 1 <"$tsv" 2>/dev/null &
  local pid=$!
  wait_for 60 bash -c "[ \$('$POSTA_BIN/posta-user' --home '$new' list big.test 2>/dev/null | wc -l) -ge 300 ]"
  kill -9 "$pid"
  wait "$pid" || true
  run bash -c "'$POSTA_BIN/posta-user' --home '$new' list big.test > '$BATS_TEST_TMPDIR/got'"
  assert_success
  local n
  n=$(wc -l <"$BATS_TEST_TMPDIR/got")
  echo "imported before the kill: $n" >&3
  assert [ "$n" -ge 300 ]
  assert [ "$n" -lt 10000 ]
  run diff "$BATS_TEST_TMPDIR/got" <(cut -f1 "$tsv" | head -n "$n")
  assert_success
  # db5.3_verify joins an environment as it finds it: first let posta recover the secret
  # environment too (the killed importer was in it), as the next login would.
  run posta user --home "$new" show u00000@big.test --json
  assert_success
  run verify_db "$new"
  assert_success
  run posta user --home "$new" import --replace --no-maildir --batch 1000 <"$tsv"
  assert_success
  run bash -c "'$POSTA_BIN/posta-user' --home '$new' list big.test | wc -l"
  assert_output 10000
}

# check_login HOME LOGIN PASSWORD: posta-auth's verdict only (exit 0 or 1)
check_login() {
  printf '%s\0%s\0\0' "$2" "$3" | POSTA_HOME=$1 "$POSTA_BIN/posta-auth" /bin/true 3<&0
}

@test "password hashes are in db/secret/secrets.db, never under db/ itself; del takes the secret along" {
  printf 'pw-erin\n' | posta user add erin@example.test --password-stdin
  posta user add fred@example.test --password-hash '$6$saltsalt$TVLlQcbpFVof5W3Yz4DTP6gRstiNuHwwTt6GLc1E5n0U0aDehy0S5knV8wiOQSpT0Y77vwPZN.Pq.H91p5hVO1'
  run as_owner db5.3_dump -p -h "$PH/db" users.db
  assert_success
  assert_output --partial 'address=erin@example.test'
  refute_output --partial '$y$'
  refute_output --partial '$6$'
  # Not in users.db, nor in the cache regions or the log of the db/ environment.
  run as_owner grep -lE '[$](y|6)[$]' "$PH"/db/*.db "$PH"/db/__db.* "$PH"/db/log.*
  assert_failure 1
  assert_equal "$(stat -c %a "$PH/db/secret")" 700
  run as_owner db5.3_dump -p -h "$PH/db/secret" secrets.db
  assert_line --partial ' $y$'
  assert_line --partial ' $6$saltsalt$'
  run check_login "$PH" erin@example.test pw-erin
  assert_success
  run check_login "$PH" erin@example.test wrong
  assert_failure 1
  run posta user show fred@example.test --json
  assert_output --partial '"has_password":true'
  posta user del fred@example.test
  run as_owner db5.3_dump -p -h "$PH/db/secret" secrets.db
  refute_output --partial ' $6$saltsalt$'
}

@test "an older instance with the hashes in users.db: logins work; the first posta-user write moves them" {
  local old=$(dirname "$PH")/old t=$BATS_TEST_TMPDIR hash f
  mkdir -p "$old" && chown "$(stat -c %u:%g "$PH")" "$old"
  posta domain --home "$old" add old.test
  printf 'pw-old\n' | posta user --home "$old" add old@old.test --password-stdin
  hash=$(posta user --home "$old" export | awk -F'\t' '$1 == "old@old.test" {print $2}')
  # Rebuild db/ as an older posta left it: the hash inside the users record, no db/secret/.
  for f in domains users; do as_owner db5.3_dump -p -h "$old/db" $f.db >"$t/$f.dump"; done
  sed -i "s|password=\\\\0a|password=$hash\\\\0a|" "$t/users.dump"
  grep -q 'password=\$y\$' "$t/users.dump"
  rm -rf "$old/db" && as_owner mkdir -m 770 "$old/db"
  for f in domains users; do as_owner db5.3_load -h "$old/db" $f.db <"$t/$f.dump"; done
  run check_login "$old" old@old.test pw-old
  assert_success
  run check_login "$old" old@old.test wrong
  assert_failure 1
  run posta user --home "$old" export
  assert_line --partial "old@old.test	$hash	"
  # The first write moves the hash; logins and export stay the same.
  run posta user --home "$old" set old@old.test --quota-bytes 1M
  assert_success
  assert_output --partial "moved 1 password hashes from users.db to secret/secrets.db"
  run as_owner db5.3_dump -p -h "$old/db" users.db
  refute_output --partial '$y$'
  run check_login "$old" old@old.test pw-old
  assert_success
  run posta user --home "$old" export
  assert_line --partial "old@old.test	$hash	"
  run posta user --home "$old" set old@old.test --quota-bytes 2M
  refute_output --partial "moved"
  verify_db "$old"
}
