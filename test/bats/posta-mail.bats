#!/usr/bin/env bats
# posta-mail against an instance (not started: posta-mail works on the store directly) with
# three users and generated mail; an IMAP session is posta-imapd --post-auth on a pipe.

load ../lib/instance
FIX=$BATS_TEST_DIRNAME/../fixtures/posta-mail

setup_file() {
  instance_create example.test
  for u in alice bob carol dave; do posta user add $u@example.test --no-password >&2; done
  as_owner $PY "$FIX/mailgen.py" "$PH/mail/example.test"
}

teardown_file() { instance_stop; }

setup() { load_helpers; }
teardown() { [ -z "${MAILTASKS:-}" ] || kill "$MAILTASKS" 2>/dev/null || true; }

# found QUERY...: "user folder uid" of each match, one a line, sorted
found() { posta mail search --all "$@" | cut -f1-3 | sort; }

@test "search: each query form finds its set across the three users" {
  run found 'message-id:<phish-1@evil.example>'
  assert_output "$(printf 'alice@example.test\tINBOX\t1\nbob@example.test\tINBOX\t1\ncarol@example.test\tINBOX\t1')"
  run found 'from:"IT Support" and subject:urgent'
  assert_equal "${#lines[@]}" 3
  run found 'from:boss and subject:quarterly'
  assert_output "$(printf 'alice@example.test\tINBOX\t3')"
  run found 'cc:bob@example.test'
  assert_output "$(printf 'alice@example.test\tINBOX\t3')"
  run found 'to:bob and folder:Sent'
  assert_output "$(printf 'alice@example.test\tSent\t1')"
  run found 'subject:"café meeting"'        # encoded word decoded
  assert_output "$(printf 'carol@example.test\tINBOX\t3')"
  run found 'body:zebra'                     # base64 body decoded
  assert_output "$(printf 'carol@example.test\tINBOX\t3')"
  run found 'header:X-Tracker:abc'
  assert_output "$(printf 'bob@example.test\tINBOX\t3')"
  run found 'larger:10k'
  assert_output "$(printf 'bob@example.test\tINBOX\t3')"
  run found 'before:2025-02-01'
  assert_output "$(printf 'alice@example.test\tINBOX\t3\ncarol@example.test\tINBOX\t3')"
  run found 'on:2025-01-15 and is:flagged'
  assert_output "$(printf 'alice@example.test\tINBOX\t3')"
  run found 'is:answered or (senton:2025-06-01 and is:seen)'
  assert_output "$(printf 'alice@example.test\tINBOX\t3\ncarol@example.test\tINBOX\t3')"
  run found 'sandwiches and not to:alice'
  assert_output "$(printf 'bob@example.test\tINBOX\t2\ncarol@example.test\tINBOX\t2')"
  run found 'since:2026-01-01 subject:lunch -to:carol'
  assert_equal "${#lines[@]}" 2
  # scope: one user, a domain, more than one user
  run posta mail search --user bob@example.test subject:lunch
  assert_success
  assert_output --regexp $'^bob@example.test\tINBOX\t2\t[-0-9T:Z]+\tboss@example.test\tlunch plans$'
  run posta mail search --user bob@example.test --user carol@example.test subject:lunch --json
  assert_success
  run $PY -c "import json,sys; print(sorted((h['user'], h['uid'], h['message_id']) for h in json.load(sys.stdin)))" <<<"$output"
  assert_output "[('bob@example.test', 2, '<lunch-bob@example.test>'), ('carol@example.test', 2, '<lunch-carol@example.test>')]"
  run posta mail search --domain example.test 'subject:lunch'
  assert_equal "${#lines[@]}" 3
}

@test "search: bad queries and scopes give a clear error and exit 2; nothing found exits 1" {
  for q in 'from:alice and (' 'frm:alice' 'since:2025-13-01' 'subject:"open' 'larger:lots' 'is:purple' \
           'a or' ')' "$(printf '(%.0s' $(seq 100))x" ''; do
    run posta mail search --all "$q"
    assert_failure 2
    [[ $output == *"position"* ]] || [[ $output == *"QUERY"* ]]
  done
  run posta mail search --all 'from:alice and ('
  assert_line --partial 'bad query: a term expected at position 17'
  assert_line '  from:alice and ('
  assert_line '                  ^'
  run posta mail search 'from:x'
  assert_failure 2
  assert_output --partial 'exactly one of --user, --domain, --all'
  run posta mail search --user nobody@example.test 'from:x'
  assert_failure 1
  run posta mail search --domain nowhere.example 'from:x'
  assert_failure 1
  run posta mail search --all 'from:nobody-at-all'
  assert_failure 1
  assert_output ''
}

@test "fetch: a message, a part, its decoded body; unknown ones exit 1" {
  run posta mail fetch carol@example.test INBOX 3
  assert_success
  assert_line --partial 'VGhlIHNlY3JldCB3b3JkIGlzIHplYnJhLgo='
  run posta mail fetch carol@example.test INBOX 3 --part 1 --decode
  assert_output 'The secret word is zebra.'
  run posta mail fetch carol@example.test INBOX 99
  assert_failure 1
  run posta mail fetch carol@example.test Nope 1
  assert_failure 1
  run posta mail fetch carol@example.test ../x 1
  assert_failure 2
}

@test "recall: --dry-run changes nothing; expunge removes one message from every inbox while an IMAP session sees EXPUNGE" {
  run posta mail expunge --all --dry-run 'message-id:<phish-1@evil.example>'
  assert_success
  assert_equal "${#lines[@]}" 3
  [ "$(maildir_count bob@example.test)" = 3 ]
  # a master-user session selected on bob's INBOX, waiting for the recall
  local t; t=$(dirname "$PH")/imap  # the owner's session writes here
  mkdir -m 777 "$t"
  as_owner env MAILDIR="$PH/mail/example.test/bob" USER=bob@example.test POSTA_HOME="$PH" \
    POSTA_MASTER_USER=admin@example.test T="$t" BIN="$POSTA_BIN" timeout 30 $PY - >"$t/imap.out" 2>&1 <<'PY' &
import imaplib, os, time
m = imaplib.IMAP4_stream(os.environ['BIN'] + '/posta-imapd --post-auth')
print('select', m.select('INBOX'))
print('fetch', m.uid('FETCH', '1:*', '(UID FLAGS)')[0])
open(os.environ['T'] + '/ready', 'w').close()
while not os.path.exists(os.environ['T'] + '/go'):
    time.sleep(0.02)
print('noop', m.noop()[0])
print('expunge', m.response('EXPUNGE'))
print('search', m.uid('SEARCH', None, 'ALL'))
m.logout()
PY
  local imap=$!
  wait_for 10 test -f "$t/ready"
  run posta mail expunge --all 'message-id:<phish-1@evil.example>'
  touch "$t/go"
  assert_success
  assert_line --regexp $'^bob@example.test\tINBOX\t1\t'
  assert_line 'posta-mail: info: expunged 3 of 3 messages'
  wait $imap
  run cat "$t/imap.out"
  assert_line "expunge ('EXPUNGE', [b'1'])"
  assert_line "search ('OK', [b'2 3'])"
  for u in alice bob carol; do
    run posta mail search --user $u@example.test 'subject:urgent'
    assert_failure 1
  done
  [ "$(maildir_count bob@example.test)" = 2 ]
  # nothing left to recall
  run posta mail expunge --all 'message-id:<phish-1@evil.example>'
  assert_failure 1
}

@test "audit: the recall with who ran it, the master session's commands, posta-user's changes; owner-only file" {
  run posta mail audit --action expunge
  assert_success
  assert_equal "${#lines[@]}" 3
  assert_line --regexp $'\tposta-mail\texpunge\tbob@example.test\tINBOX\t1\t<phish-1@evil.example>\tquery: message-id:<phish-1@evil.example>$'
  assert_line --regexp $'^[-0-9T:]+Z\tuid=[0-9]+\\([^)]*\\)'
  SUDO_USER=jo posta user set dave@example.test --quota-messages 5 >&2
  run posta mail audit --user dave@example.test --json
  assert_success
  run $PY -c "import json,sys; r=json.load(sys.stdin)[-1]; print(r['action'], r['detail'], 'sudo=jo' in r['who'])" <<<"$output"
  assert_output 'user-set quota-messages=5 True'
  run posta mail audit --user bob@example.test
  assert_line --regexp $'master=admin@example.test .*\tposta-imapd\tSELECT\tbob@example.test\tINBOX\t\t\tOK$'
  assert_line --regexp $'master=admin@example.test .*\tposta-imapd\tUID FETCH\tbob@example.test\tINBOX\t1:3\t\tOK$'
  assert_line --regexp $'\tUID SEARCH\tbob@example.test\tINBOX\t\t\tALL; OK$'
  run posta mail audit --action search
  assert_line --regexp $'\tposta-mail\tsearch\t\t\t\t\tall users; query: message-id:<phish-1@evil.example>; 3 found$'
  run posta mail audit --action 'expunge -n'
  assert_line --regexp $'\tall users; query: message-id:<phish-1@evil.example>; 3 found$'
  run posta mail audit --since 2099-01-01
  assert_success
  assert_output ''
  run posta mail audit --since yesterday
  assert_failure 2
  [ "$(stat -c %a "$PH/mail/.audit/audit.log")" = 600 ]
  [ "$(stat -c %a "$PH/mail/.audit")" = 700 ]
  [ "$(stat -c %U "$PH/mail/.audit/audit.log")" = "$(stat -c %U "$PH/mail")" ]
}

@test "export then import to another user gives identical messages; Maildir import keeps flags" {
  run posta mail export --user alice@example.test --mbox "$BATS_TEST_TMPDIR/alice.mbox"
  assert_success
  run posta mail import dave@example.test "$BATS_TEST_TMPDIR/alice.mbox" --folder FromAlice
  assert_success
  sums() { (cd "$1" && for f in new/* cur/*; do [ -f "$f" ] && sha256sum <"$f"; done) | sort; }
  local a="$PH/mail/example.test/alice" d="$PH/mail/example.test/dave"
  [ "$( (sums "$a"; sums "$a/.Sent") | sort)" = "$(sums "$d/.FromAlice")" ]
  # flags travel as Status:/X-Status: fields, which the import takes out again
  grep -q '^X-Status: F' "$BATS_TEST_TMPDIR/alice.mbox"
  [ "$(grep -c '^Status: ' "$BATS_TEST_TMPDIR/alice.mbox")" = 3 ]
  run posta mail search --user dave@example.test 'folder:FromAlice is:flagged is:seen'
  assert_output --partial 'Quarterly report'
  [ "$(posta mail search --user alice@example.test is:seen | wc -l)" = \
    "$(posta mail search --user dave@example.test 'folder:FromAlice is:seen' | wc -l)" ]
  # arrival times from the separator lines
  [ "$(posta mail search --user alice@example.test all | cut -f4 | sort)" = \
    "$(posta mail search --user dave@example.test folder:FromAlice | cut -f4 | sort)" ]
  # a directory of .eml files
  run posta mail export --all --dir "$BATS_TEST_TMPDIR/eml" 'subject:lunch'
  assert_success
  cmp "$BATS_TEST_TMPDIR/eml/bob@example.test/INBOX/2.eml" "$(find "$PH/mail/example.test/bob" -name '*.M4P1.*')"
  # a Maildir: flags come along
  run posta mail import dave@example.test "$a" --folder Migrated
  assert_success
  run posta mail search --user dave@example.test 'folder:Migrated is:flagged is:seen'
  assert_output --partial 'Quarterly report'
  run posta mail audit --action import
  assert_line --regexp $'\timport\tdave@example.test\tFromAlice\t1:3\t\t3 messages from '
  run posta mail import dave@example.test /etc/hostname
  assert_failure 2
}

@test "import respects the quota; usage reports sizes, quota use and largest folders" {
  posta user set carol@example.test --quota-messages 3 >&2
  run posta mail import carol@example.test "$PH/mail/example.test/alice"
  assert_failure 1
  assert_output --partial 'quota of carol@example.test reached after 1 messages'
  run posta mail usage --domain example.test --json
  assert_success
  run $PY -c "
import json,sys
d = json.load(sys.stdin)
u = {x['user']: x for x in d['users']}
print(u['carol@example.test']['messages'], u['carol@example.test']['quota_messages'], u['carol@example.test']['last_login'])
print(u['alice@example.test']['largest'][0]['folder'], d['domains'][0]['users'])" <<<"$output"
  assert_line '3 3 None'
  assert_line 'INBOX 4'
  run posta mail usage --user bob@example.test
  assert_line --regexp $'^bob@example.test\t2\t[0-9]+\t-\t-\t-\tINBOX=[0-9]+$'
}

@test "move: a query's messages to another folder; the IMAP view follows" {
  run posta mail move --user bob@example.test --to Archive -n 'subject:big'
  assert_success
  run posta mail search --user bob@example.test 'folder:Archive'
  assert_failure 1
  run posta mail move --user bob@example.test --to Archive 'subject:big'
  assert_success
  run posta mail search --user bob@example.test 'folder:Archive'
  assert_output --partial 'big one'
  run posta mail search --user bob@example.test 'folder:INBOX subject:big'
  assert_failure 1
  run posta mail move --user bob@example.test --to ../x 'all'
  assert_failure 2
}

@test "retention: old messages go by the best rule, a legal hold spares a user, the pass is audited" {
  printf '# domain folder days\n*\tTrash\t30\n* * 300\n' >"$PH/control/retention"
  echo carol@example.test >"$PH/control/legalhold"
  run posta mail retention --dry-run
  assert_success
  assert_line --regexp $'^alice@example.test\tINBOX\t3\t2025-01-15'
  assert_line --regexp $'^dave@example.test\tMigrated\t1\t2025-01-15'
  assert_line --regexp $'^dave@example.test\tFromAlice\t2\t2025-01-15'   # the mbox import kept its date
  refute_line --regexp $'^carol@example.test\t'
  assert_line --partial 'legal hold: nothing of carol@example.test removed'
  assert_line --partial 'would remove 3 messages of 3 users (1 on legal hold)'
  run found 'before:2025-02-01'   # and carol's two: her own and the one the quota test imported
  assert_equal "${#lines[@]}" 5
  run posta mail retention
  assert_success
  assert_line --partial 'removed 3 messages'
  run found 'before:2025-02-01'
  assert_output "$(printf 'carol@example.test\tINBOX\t3\ncarol@example.test\tINBOX\t4')"
  run posta mail audit --action retention
  assert_line --regexp $'\tretention\talice@example.test\tINBOX\t3\t<q2@example.test>\tolder than 300 days \\(rule \\* \\* 300\\)$'
  # a held user's own expunges, and the administrator's, keep a copy in the held store
  local held="$PH/mail/.held/carol@example.test"
  as_owner env MAILDIR="$PH/mail/example.test/carol" USER=carol@example.test POSTA_HOME="$PH" BIN="$POSTA_BIN" \
    timeout 30 $PY -c "
import imaplib, os
m = imaplib.IMAP4_stream(os.environ['BIN'] + '/posta-imapd --post-auth')
m.select('INBOX')
m.uid('STORE', '2', '+FLAGS', r'(\Deleted)')
print(m.expunge())" 3>&-
  run posta mail search --user carol@example.test 'subject:lunch'
  assert_failure 1
  run grep -l 'sandwiches at noon' "$held"/cur/*
  assert_success
  run posta mail expunge --user carol@example.test 'subject:café'
  assert_success
  [ "$(ls "$held/cur" | wc -l)" = 2 ]
  run as_owner env MAILDIR="$PH/mail/example.test/carol" USER=carol@example.test POSTA_HOME="$PH" \
    timeout 20 "$POSTA_BIN/posta-pop3d" --post-auth < <(printf 'DELE 1\r\nQUIT\r\n')
  assert_line --partial '+OK posta POP3 server signing off'
  run posta mail search --user carol@example.test all
  assert_failure 1
  [ "$(ls "$held/cur" | wc -l)" = 3 ]
  # deleting a whole folder keeps its messages too
  as_owner env MAILDIR="$PH/mail/example.test/carol" USER=carol@example.test POSTA_HOME="$PH" BIN="$POSTA_BIN" \
    timeout 30 $PY -c "
import imaplib, os
m = imaplib.IMAP4_stream(os.environ['BIN'] + '/posta-imapd --post-auth')
m.create('Old')
m.append('Old', None, None, b'Subject: archived plans\r\n\r\nthe old plans\r\n')
print(m.delete('Old'))" 3>&-
  [ ! -e "$PH/mail/example.test/carol/.Old" ]
  [ "$(find "$held/cur" "$held/new" -type f | wc -l)" = 4 ]
  run grep -rl 'the old plans' "$held"
  assert_success
  [ ! -e "$PH/mail/.held/dave@example.test" ]
  printf '* Trash thirty\n' >"$PH/control/retention"
  run posta mail retention
  assert_failure 2
  assert_output --partial 'control/retention line 1: days must be 1 to 36500'
  rm "$PH/control/retention"
  run posta mail retention
  assert_success
  assert_output --partial 'nothing to do'
}

@test "daemon (mailtasks): retention and index passes at start and on SIGHUP, what retention removed in the log; TERM stops it" {
  [ -x "$PH/service/mailtasks/run" ]
  printf '* * 300\n' >"$PH/control/retention"
  : >"$PH/control/legalhold"
  local cur="$PH/mail/example.test/dave/cur" log="$BATS_TEST_TMPDIR/mailtasks.log"
  ancient() {
    local f="$cur/$2.M1P1.old:2,S"
    printf 'From: x@example.test\r\nSubject: %s\r\nMessage-ID: <%s@example.test>\r\n\r\nold\r\n' "$1" "$1" >"$f"
    touch -d 2020-01-01 "$f"
    chown --reference="$cur" "$f"
  }
  ancient ancient1 1577836800
  "$POSTA_BIN/posta-mail" --home "$PH" daemon >"$log" 2>&1 3>&- &
  MAILTASKS=$!
  wait_for 20 grep -q 'index pass done' "$log"
  assert_equal "$(grep -c 'retention pass done' "$log")" 1
  grep -q 'posta-mail: info: indexed [0-9]* messages in [0-9]* folders of [0-9]* users' "$log"
  run grep -c $'\tancient1$' "$log"
  assert_output 1
  run posta mail search --user dave@example.test 'message-id:<ancient1@example.test>'
  assert_failure 1
  # the next pass comes a day later, or now on SIGHUP
  ancient ancient2 1577836801
  kill -HUP $MAILTASKS
  wait_for 20 eval '[ "$(grep -c "index pass done" "$log")" = 2 ]'
  assert_equal "$(grep -c 'retention pass done' "$log")" 2
  run grep -c $'\tancient2$' "$log"
  assert_output 1
  kill -TERM $MAILTASKS
  wait $MAILTASKS   # exit 0
  MAILTASKS=
  rm "$PH/control/retention"
}

# fts_imap [ACTION...]: fts_search.py's answers for erin's INBOX (fts_search.py)
fts_imap() {
  as_owner env MAILDIR="$FTS_MD" USER=erin@example.test POSTA_HOME="$PH" BIN="$POSTA_BIN" \
    timeout 120 $PY "$FIX/fts_search.py" "${FTS_QUERIES:-$FIX/fts_queries.txt}" "$@" 2>>"$FTS_T/imapd.err"
}
# fts_mail: posta-mail search's answers for some body:/text: queries of erin's mail
fts_mail() {
  local q
  for q in body:nvoic 'body:"t repo"' body:ÜBERWEISUNG text:sender 'body:"&amp;"' body:secretword \
           'body:zebra and not body:payment' 'body:lunch or text:s16'; do
    echo "-- $q"
    posta mail search --user erin@example.test "$q" | cut -f2-3 || true
  done
}
# the scan's answers: a file where the index would go keeps every program from making one
fts_block() { as_owner sh -c 'rm -rf "$1/posta-fts" && touch "$1/posta-fts"' - "$FTS_MD"; }

@test "full-text index: SEARCH BODY/TEXT and search body:/text: answer as the scan does, also damaged and after an expunge" {
  posta user add erin@example.test --no-password >&2
  FTS_MD=$PH/mail/example.test/erin FTS_T=$(dirname "$PH")/fts
  mkdir -m 777 "$FTS_T"
  as_owner $PY "$FIX/ftsgen.py" "$FTS_MD" 300
  fts_block
  fts_imap >"$FTS_T/scan.json"
  fts_mail >"$FTS_T/scan.mail"
  grep -q '"BODY zebra": \[$' "$FTS_T/scan.json"  # the answers are not all empty
  [ "$(grep -c '^-- ' "$FTS_T/scan.mail")" = 8 ] && [ "$(wc -l <"$FTS_T/scan.mail")" -gt 100 ]
  as_owner rm "$FTS_MD/posta-fts"
  run posta mail index --user erin@example.test
  assert_success
  assert_output --regexp 'indexed 300 messages in [0-9]+ folders of 1 users \(0 busy, 0 failed\)'
  fts_imap >"$FTS_T/index.json"
  diff "$FTS_T/scan.json" "$FTS_T/index.json"
  fts_mail >"$FTS_T/index.mail"
  diff "$FTS_T/scan.mail" "$FTS_T/index.mail"
  # the index rules messages out: a word added to a message file behind its back (Maildir
  # files never change) is not found through it
  local f; f=$(ls "$FTS_MD"/cur/* | head -1)
  as_owner sh -c 'printf "qqzzyyx\n" >>"$1"' - "$f"
  printf 'qqzzyyx\n' >"$FTS_T/q.txt"
  FTS_QUERIES=$FTS_T/q.txt run fts_imap
  assert_output --partial '"BODY qqzzyyx": [
  ""'
  as_owner truncate -s -8 "$f"
  # damaged: garbage in the posting lists (the first search discards the index, the searches
  # after it use what the catch-ups rebuilt), then in every file
  printf 'garbage' >"$FTS_MD/posta-fts/postlist.glass"
  fts_imap >"$FTS_T/damaged.json"
  diff "$FTS_T/scan.json" "$FTS_T/damaged.json"
  for x in "$FTS_MD"/posta-fts/*; do printf 'garbage' >"$x"; done
  fts_mail >"$FTS_T/damaged.mail"
  diff "$FTS_T/scan.mail" "$FTS_T/damaged.mail"
  # rebuilt (and compacted) by the admin, then an APPEND and an EXPUNGE (marked, not indexed:
  # no indexer runs here), then the scan again
  run posta mail index --rebuild --user erin@example.test
  assert_success
  assert_output --regexp 'indexed 300 messages in [0-9]+ folders'
  ! ls -d "$FTS_MD"/posta-fts.* 2>/dev/null  # nothing left aside
  fts_imap append expunge >"$FTS_T/index2.json"
  fts_block
  fts_imap >"$FTS_T/scan2.json"
  diff "$FTS_T/index2.json" "$FTS_T/scan2.json"
  ! diff -q "$FTS_T/scan.json" "$FTS_T/scan2.json"
  # the imapd sessions said nothing but the blocked index
  run grep -v -e 'posta-fts' -e ' login user=' -e ' logout user=' "$FTS_T/imapd.err"
  assert_output ''
}

# indexed_by_changed_passes LOG: the messages the mailtasks service's changed-folder passes indexed
indexed_by_changed_passes() { grep -o 'indexed [0-9]* messages in [0-9]* changed' "$1" | awk '{s += $2} END {print s + 0}'; }

@test "full-text index at delivery: the indexer takes what posta-local, IMAP and posta-mail marked, and drops expunged documents" {
  posta user add gina@example.test --no-password >&2
  local md=$PH/mail/example.test/gina log="$BATS_TEST_TMPDIR/mailtasks.log" i
  "$POSTA_BIN/posta-mail" --home "$PH" daemon >"$log" 2>&1 3>&- &
  MAILTASKS=$!
  wait_for 30 grep -q 'index pass' "$log"  # done, or failed on erin's blocked index
  for i in 1 2 3 4; do
    printf 'From: s@example.org\nSubject: delivered %s\n\nkumquat%s\n' $i $i |
      "$POSTA_BIN/posta-local" s@example.org gina@example.test
  done
  # within seconds, without a search or a full pass: nothing is left for the admin's pass
  wait_for 20 eval '[ "$(indexed_by_changed_passes "$log")" = 4 ]' || { cat "$log" >&2; false; }
  run posta mail index --user gina@example.test
  assert_output --regexp 'indexed 0 messages in [0-9]+ folders'
  # an IMAP APPEND and EXPUNGE: the new message is added, and with two of five documents
  # dead the index is built anew without them
  as_owner env MAILDIR="$md" USER=gina@example.test POSTA_HOME="$PH" $PY - "$POSTA_BIN" <<'PY'
import imaplib, sys
m = imaplib.IMAP4_stream(sys.argv[1] + '/posta-imapd --post-auth')
m.select('INBOX')
assert m.append('INBOX', None, None, b'Subject: appended\r\n\r\nkumquat9\r\n')[0] == 'OK'
m.store('1:2', '+FLAGS', '(\\Deleted)')
assert m.expunge()[0] == 'OK'
m.logout()
PY
  wait_for 20 eval '[ "$(indexed_by_changed_passes "$log")" = 5 ]'
  wait_for 20 grep -q 'changed folders (0 busy, 1 rebuilt, 0 failed)' "$log"
  run posta mail index --user gina@example.test
  assert_output --regexp 'indexed 0 messages in [0-9]+ folders'
  run posta mail search --user gina@example.test body:kumquat
  assert_equal "${#lines[@]}" 3
  # posta-mail's own changes mark the folder too
  local passes; passes=$(grep -c 'changed folders' "$log")
  run posta mail expunge --user gina@example.test 'subject:appended'
  assert_success
  wait_for 20 eval '[ "$(grep -c "changed folders" "$log")" -gt '"$passes"' ]'
  # a mark that cannot be written never fails a delivery
  kill -TERM $MAILTASKS; wait $MAILTASKS; MAILTASKS=
  as_owner sh -c 'rm -rf "$1" && touch "$1"' - "$PH/mail/.fts-changed"
  local before; before=$(ls "$md/new" "$md/cur" | wc -l)
  run "$POSTA_BIN/posta-local" s@example.org gina@example.test <<<"Subject: unmarked"
  assert_success
  assert_output --partial '.fts-changed'
  [ "$(ls "$md/new" "$md/cur" | wc -l)" -eq $((before + 1)) ]
  as_owner rm "$PH/mail/.fts-changed"
}
