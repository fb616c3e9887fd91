#!/usr/bin/env bats
# posta-managesieved through posta-tcpd and posta-tlsd: sieve-connect over STARTTLS, raw
# sessions with bad input, quotas and response codes; posta-user sieve and vacation; end to
# end, a script uploaded with sieve-connect files the next message delivered through SMTP.

load ../lib/instance
FIX=$BATS_TEST_DIRNAME/../fixtures/posta-managesieved

setup_file() {
  instance_create example.test
  printf 'secret-one\n' | posta user add alice@example.test --password-stdin >&2
  printf 'secret-two\n' | posta user add bob@example.test --password-stdin >&2
  printf 'secret-three\n' | posta user add carol@example.test --password-stdin >&2
  instance_start
}

teardown_file() { instance_stop; }

setup() {
  load_helpers
  echo yes >"$PH/control/authplaintext"
}

SIEVE_DIR() { echo "$PH/mail/example.test/$1/sieve"; }

# ms INPUT: one raw session (input, a printf format, sent at once), answers printed
ms() { printf "$1" | $PY "$FIX/session.py" "$MANAGESIEVE_PORT"; }
# plain USER PASSWORD: the base64 PLAIN response
plain() { printf '\0%s\0%s' "$1" "$2" | base64 -w0; }
# login USER PASSWORD: the AUTHENTICATE line, for ms
login() { printf 'AUTHENTICATE "PLAIN" "%s"\\r\\n' "$(plain "$1" "$2")"; }

# sc USER PASSWORD ARGS...: sieve-connect over STARTTLS, trusting the instance's certificate
sc() {
  local user=$1 pw=$2; shift 2
  sieve-connect --server 127.0.0.1 --port "$MANAGESIEVE_PORT" --user "$user" --noclearauth \
    --tlscafile "$PH/tls/cert.pem" --tlshostname example.test --passwordfd 3 "$@" 3<<<"$pw"
}

@test "greeting: capabilities with the compiler's extensions; no SASL and ENCRYPT-NEEDED before TLS" {
  rm "$PH/control/authplaintext"
  run ms "$(login alice@example.test secret-one)"'LOGOUT\r\n'
  assert_success
  assert_line '"IMPLEMENTATION" "posta"'
  assert_line --regexp '^"SIEVE" ".*fileinto.*vacation.*"$'
  assert_line '"SASL" ""'
  assert_line '"STARTTLS"'
  assert_line '"VERSION" "1.0"'
  assert_line '"MAXREDIRECTS" "4"'
  assert_line --partial 'NO (ENCRYPT-NEEDED)'
  assert_line 'OK "Logout completed"'
  refute_line 'OK "Logged in"'
}

@test "sieve-connect over STARTTLS: upload, activate, list; the next delivered message is filed; deactivate, delete" {
  rm "$PH/control/authplaintext"
  printf 'require ["fileinto", "mailbox"];\nif header :contains "subject" "posta" { fileinto :create "Lists"; }\n' \
    >"$BATS_TEST_TMPDIR/rules.sieve"
  run sc alice@example.test secret-one --upload --localsieve "$BATS_TEST_TMPDIR/rules.sieve" --remotesieve rules
  assert_success
  cmp "$BATS_TEST_TMPDIR/rules.sieve" "$(SIEVE_DIR alice)/rules.sieve"
  # with its compiled form, which posta-local loads instead of parsing the text
  [ "$(head -c 8 "$(SIEVE_DIR alice)/rules.svbin")" = PSTSIEVE ]
  run sc alice@example.test secret-one --activate --remotesieve rules
  assert_success
  [ "$(readlink "$(SIEVE_DIR alice)/active")" = rules.sieve ]
  run sc alice@example.test secret-one --list
  assert_success
  assert_output --partial '"rules" ACTIVE'
  grep -q 'managesieve.*login user=<alice@example.test> tls=1' "$PH/log/managesieve/current"
  # end to end: posta-local runs the uploaded script on the next messages
  local md=$PH/mail/example.test/alice
  run swaks --server "$INSTANCE_IP:$SMTP_PORT" --from sender@remote.test --to alice@example.test \
    --header "Subject: posta news" --body "filed"
  assert_success
  run swaks --server "$INSTANCE_IP:$SMTP_PORT" --from sender@remote.test --to alice@example.test \
    --header "Subject: other news" --body "kept"
  assert_success
  wait_for 20 eval '[ "$(find "$PH/mail/example.test/alice/.Lists/new" -type f 2>/dev/null | wc -l)" = 1 ]'
  wait_for 20 eval '[ "$(find "$PH/mail/example.test/alice/new" -type f | wc -l)" = 1 ]'
  grep -q "^Subject: posta news" "$md"/.Lists/new/*
  grep -q "^Subject: other news" "$md"/new/*
  rm -rf "$md/.Lists" "$md"/new/*
  run sc alice@example.test secret-one --deactivate
  assert_success
  [ ! -L "$(SIEVE_DIR alice)/active" ]
  run sc alice@example.test secret-one --delete --remotesieve rules
  assert_success
  [ ! -e "$(SIEVE_DIR alice)/rules.sieve" ]
  [ ! -e "$(SIEVE_DIR alice)/rules.svbin" ]
}

@test "sieve-connect: a wrong password is refused and stores nothing" {
  rm "$PH/control/authplaintext"
  printf 'keep;\n' >"$BATS_TEST_TMPDIR/k.sieve"
  run sc bob@example.test wrong-password --upload --localsieve "$BATS_TEST_TMPDIR/k.sieve" --remotesieve k
  assert_failure
  [ ! -e "$(SIEVE_DIR bob)/k.sieve" ]
}

@test "commands before login get NO; unknown commands and bad syntax get NO and the session goes on" {
  run ms 'LISTSCRIPTS\r\nPUTSCRIPT "x" {5+}\r\nkeep;\r\nGETSCRIPT "x"\r\nFROBNICATE\r\nPUTSCRIPT x\r\nNOOP "t1"\r\nLOGOUT\r\n'
  assert_success
  [ "$(grep -c '^NO "authenticate first"' <<<"$output")" = 3 ]
  assert_line 'NO "unknown command"'
  assert_line --partial 'NO "syntax error: expected a string or a number"'
  assert_line 'OK (TAG "t1") "Done"'
  assert_line 'OK "Logout completed"'
  [ ! -e "$(SIEVE_DIR carol)" ]
}

@test "AUTHENTICATE: wrong password NO, bad base64 NO, cancel NO, then a good login with a continuation" {
  good=$(plain carol@example.test secret-three)
  run ms "$(login carol@example.test nope)"'AUTHENTICATE "PLAIN" "%%%%"\r\nAUTHENTICATE "DIGEST-MD5"\r\nAUTHENTICATE "PLAIN"\r\n"*"\r\nAUTHENTICATE "PLAIN"\r\n{'${#good}'+}\r\n'"$good"'\r\nLISTSCRIPTS\r\nLOGOUT\r\n'
  assert_success
  assert_line 'NO "Authentication failed"'
  assert_line 'NO "invalid base64"'
  assert_line --partial 'NO "unsupported SASL mechanism'
  assert_line 'NO "Authentication cancelled"'
  assert_line '""'
  assert_line 'OK "Logged in"'
  assert_line 'OK "Logout completed"'
  grep -q 'login failed: user=<carol@example.test>' "$PH/log/managesieve/current"
}

@test "PUTSCRIPT and CHECKSCRIPT compile the script: NO with line and column, nothing stored" {
  run ms "$(login carol@example.test secret-three)"'CHECKSCRIPT {19+}\r\nrequire "nosuch";\r\n\r\nPUTSCRIPT "bad" {12+}\r\nkeep;\r\nfoo;\r\nCHECKSCRIPT "keep;"\r\nPUTSCRIPT "good" "keep;"\r\nLISTSCRIPTS\r\nLOGOUT\r\n'
  assert_success
  [ "$(grep -c '^NO .*line [0-9]*, column [0-9]*' <<<"$output")" = 2 ]
  assert_line '"good"'
  refute_line '"bad"'
  [ ! -e "$(SIEVE_DIR carol)/bad.sieve" ]
  [ ! -e "$(SIEVE_DIR carol)/bad.svbin" ]
  [ -f "$(SIEVE_DIR carol)/good.sieve" ]
  [ -f "$(SIEVE_DIR carol)/good.svbin" ]
  # scripts that would explode are refused at upload: deep nesting, a huge string list
  local deep="" list i
  for i in $(seq 40); do deep+='if true {'; done
  for i in $(seq 40); do deep+='}'; done
  list="if header :is \"subject\" [$(printf '"x%d",' $(seq 1100))\"y\"] { keep; }"
  run ms "$(login carol@example.test secret-three)PUTSCRIPT \"deep\" {${#deep}+}\r\n${deep}\r\nPUTSCRIPT \"list\" {${#list}+}\r\n${list}\r\nLOGOUT\r\n"
  assert_success
  assert_line --partial 'nesting too deep'
  assert_line --partial 'string list too long'
  [ ! -e "$(SIEVE_DIR carol)/deep.sieve" ]
  [ ! -e "$(SIEVE_DIR carol)/list.sieve" ]
  rm -rf "$(SIEVE_DIR carol)"
}

@test "quota: an oversized script gets NO (QUOTA/MAXSIZE) and the session goes on; too many scripts QUOTA/MAXSCRIPTS" {
  echo 100 >"$PH/control/sievemaxsize"
  echo 2 >"$PH/control/sievemaxscripts"
  big=$(printf '#%.0s' $(seq 1 150))
  run ms "$(login bob@example.test secret-two)"'HAVESPACE "big" 150\r\nPUTSCRIPT "big" {152+}\r\n'"$big"'\r\n\r\nHAVESPACE "a" 100\r\nPUTSCRIPT "a" "keep;"\r\nPUTSCRIPT "b" "keep;"\r\nPUTSCRIPT "c" "keep;"\r\nPUTSCRIPT "a" "discard;"\r\nLOGOUT\r\n'
  rm "$PH/control/sievemaxsize" "$PH/control/sievemaxscripts"
  assert_success
  [ "$(grep -c '^NO (QUOTA/MAXSIZE)' <<<"$output")" = 2 ]
  assert_line --partial 'NO (QUOTA/MAXSCRIPTS)'
  assert_line 'OK "Logout completed"'
  [ ! -e "$(SIEVE_DIR bob)/big.sieve" ]
  [ ! -e "$(SIEVE_DIR bob)/c.sieve" ]
  [ "$(cat "$(SIEVE_DIR bob)/a.sieve")" = 'discard;' ]
  rm -rf "$(SIEVE_DIR bob)"
}

@test "a literal far past the quota ends the session with BYE before its bytes are read" {
  echo 100 >"$PH/control/sievemaxsize"
  run ms "$(login bob@example.test secret-two)"'PUTSCRIPT "huge" {99999999+}\r\n'
  rm "$PH/control/sievemaxsize"
  assert_success
  assert_line 'BYE (QUOTA/MAXSIZE) "literal too big"'
  # before login the limit is small
  run ms 'AUTHENTICATE "PLAIN" {100000+}\r\n'
  assert_line 'BYE (QUOTA/MAXSIZE) "literal too big"'
}

@test "response codes: ACTIVE, NONEXISTENT, ALREADYEXISTS; SETACTIVE \"\" deactivates; RENAMESCRIPT keeps active" {
  run ms "$(login bob@example.test secret-two)"'PUTSCRIPT "one" "keep;"\r\nPUTSCRIPT "two" "keep;"\r\nSETACTIVE "one"\r\nDELETESCRIPT "one"\r\nGETSCRIPT "nope"\r\nSETACTIVE "nope"\r\nRENAMESCRIPT "one" "two"\r\nRENAMESCRIPT "one" "three"\r\nLISTSCRIPTS\r\nGETSCRIPT "three"\r\nPUTSCRIPT "../x" "keep;"\r\nPUTSCRIPT ".hidden" "keep;"\r\nSETACTIVE ""\r\nDELETESCRIPT "three"\r\nLOGOUT\r\n'
  assert_success
  assert_line --partial 'NO (ACTIVE)'
  [ "$(grep -c '^NO (NONEXISTENT)' <<<"$output")" = 2 ]
  assert_line --partial 'NO (ALREADYEXISTS)'
  assert_line '"three" ACTIVE'
  assert_line '"two"'
  assert_line '{5}'
  [ "$(grep -c '^NO "invalid script name' <<<"$output")" = 2 ]
  [ ! -e "$PH/mail/example.test/bob/x.sieve" ]
  [ ! -L "$(SIEVE_DIR bob)/active" ]
  [ ! -e "$(SIEVE_DIR bob)/three.sieve" ]
  [ -f "$(SIEVE_DIR bob)/two.sieve" ]
  # the forms went with their scripts: renamed, then deleted
  [ ! -e "$(SIEVE_DIR bob)/one.svbin" ] && [ ! -e "$(SIEVE_DIR bob)/three.svbin" ]
  [ -f "$(SIEVE_DIR bob)/two.svbin" ]
  rm -rf "$(SIEVE_DIR bob)"
}

@test "UNAUTHENTICATE: back to the unauthenticated state with the pipelined input; another user may log in" {
  run ms "$(login bob@example.test secret-two)"'PUTSCRIPT "bobs" "keep;"\r\nUNAUTHENTICATE\r\nLISTSCRIPTS\r\nUNAUTHENTICATE\r\n'"$(login carol@example.test secret-three)"'LISTSCRIPTS\r\nCAPABILITY\r\nLOGOUT\r\n'
  assert_success
  [ "$(grep -c '^OK "Logged in"' <<<"$output")" = 2 ]
  assert_line 'NO "authenticate first"'
  assert_line 'NO "not authenticated"'
  refute_line '"bobs"'
  assert_line '"UNAUTHENTICATE"'
  assert_line 'OK "Logout completed"'
  [ -f "$(SIEVE_DIR bob)/bobs.sieve" ]
  rm -rf "$(SIEVE_DIR bob)"
}

@test "bad input: malformed literal, unterminated quote, overlong line, NUL, a short literal at EOF" {
  long=$(printf 'a%.0s' $(seq 1 9000))
  run ms "$(login bob@example.test secret-two)"'PUTSCRIPT "a" {1x+}\r\nPUTSCRIPT "a\r\nNOOP "'"$long"'"\r\nNOOP "a\0b"\r\nHAVESPACE "a" 99999999999\r\nNOOP\r\nPUTSCRIPT "a" {10+}\r\nshort'
  assert_success
  assert_line --partial 'NO "syntax error'
  assert_line 'NO "line too long"'
  assert_line 'NO "NUL byte in command"'
  assert_line 'OK "NOOP completed"'
  [ ! -e "$(SIEVE_DIR bob)/a.sieve" ]
}

@test "an idle client gets BYE" {
  echo 1 >"$PH/control/timeoutmanagesieved"
  run $PY -c '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
out = b""
while True:
    b = s.recv(4096)
    if not b: break
    out += b
sys.stdout.write(out.decode())' "$MANAGESIEVE_PORT"
  rm "$PH/control/timeoutmanagesieved"
  assert_success
  assert_output --partial 'BYE "idle for too long"'
}

# ---- posta-user sieve / vacation ----

@test "posta-user sieve: put, list, get, activate, deactivate, delete, with their errors" {
  printf 'require "fileinto";\nfileinto "Junk";\n' >"$BATS_TEST_TMPDIR/j.sieve"
  run posta user sieve put carol@example.test junk "$BATS_TEST_TMPDIR/j.sieve"
  assert_success
  run posta user sieve list carol@example.test
  assert_success
  assert_line "junk	-"
  printf 'keep;\n' | posta user sieve put carol@example.test fromstdin -
  run posta user sieve activate carol@example.test junk
  assert_success
  run posta user sieve list carol@example.test --json
  assert_output --partial '{"name":"junk","active":true}'
  run posta user sieve get carol@example.test junk
  assert_output "$(cat "$BATS_TEST_TMPDIR/j.sieve")"
  [ "$(stat -c %U "$(SIEVE_DIR carol)/junk.sieve")" = "$(stat -c %U "$PH/mail")" ]
  run posta user sieve delete carol@example.test junk
  assert_failure 1
  assert_output --partial 'is active'
  printf 'if true {\n' >"$BATS_TEST_TMPDIR/bad.sieve"
  run posta user sieve put carol@example.test bad "$BATS_TEST_TMPDIR/bad.sieve"
  assert_failure 2
  assert_output --partial 'line '
  run posta user sieve put carol@example.test .dot "$BATS_TEST_TMPDIR/j.sieve"
  assert_failure 2
  run posta user sieve get carol@example.test nope
  assert_failure 1
  run posta user sieve list nobody@example.test
  assert_failure 1
  assert_output --partial 'no such user'
  run posta user sieve deactivate carol@example.test
  assert_success
  run posta user sieve delete carol@example.test junk
  assert_success
  run posta user sieve list carol@example.test
  assert_output "fromstdin	-"
}

@test "posta-user vacation: includes the script active before, --off restores it" {
  printf 'require ["fileinto", "mailbox"];\nfileinto :create "Lists";\n' | posta user sieve put alice@example.test mine -
  posta user sieve activate alice@example.test mine
  printf 'I am away.\nBack on Monday.\n' >"$BATS_TEST_TMPDIR/body"
  run posta user vacation alice@example.test --subject "Away" --body-file "$BATS_TEST_TMPDIR/body" --until 2099-12-31 --days 3
  assert_success
  [ "$(readlink "$(SIEVE_DIR alice)/active")" = vacation.sieve ]
  run posta user sieve get alice@example.test vacation
  assert_output --partial 'vacation :days 3 :subject "Away"'
  assert_output --partial 'currentdate :value "le" "date" "2099-12-31"'
  assert_output --partial 'include :personal "mine";'
  # a second run changes the text and still includes "mine"
  run posta user vacation alice@example.test --subject "Still away" --body-file "$BATS_TEST_TMPDIR/body"
  assert_success
  run posta user sieve get alice@example.test vacation
  assert_output --partial 'include :personal "mine";'
  refute_output --partial 'currentdate'
  # at delivery: the reply goes to the queue and the included script still files the message
  local fq md=$PH/mail/example.test/alice
  fq=$(dirname "$PH")/fq  # the instance owner runs the fake queue program: not under the test's 0700 tmpdir
  mkdir -p "$fq"
  install -m 755 "$POSTA_SRC/test/lib/recording_queue.sh" "$fq/queue"
  chown -R "$(stat -c %u:%g "$PH")" "$fq"
  printf 'From: Sender <sender@remote.test>\nTo: alice@example.test\nSubject: hello\nMessage-ID: <v1@remote.test>\n\nhi\n' \
    >"$BATS_TEST_TMPDIR/msg"
  # both scripts come from the compiled forms posta-user wrote: nothing compiled, nothing refused
  [ -s "$(SIEVE_DIR alice)/vacation.svbin" ] && [ -s "$(SIEVE_DIR alice)/mine.svbin" ]
  run --separate-stderr env POSTA_QUEUE="$fq/queue" "$POSTA_BIN/posta-local" sender@remote.test alice@example.test <"$BATS_TEST_TMPDIR/msg"
  assert_success
  [[ $stderr != *svbin* ]] || { echo "$stderr" >&2; false; }
  [ "$(find "$md/.Lists/new" -type f | wc -l)" = 1 ]
  grep -q '^Subject: Still away' "$fq/msg.0"
  grep -q '^Auto-Submitted: auto-replied' "$fq/msg.0"
  [ "$(head -1 "$fq/env.0")" = F ]  # the null envelope sender
  rm -rf "$md/.Lists"
  run posta user vacation alice@example.test --off
  assert_success
  [ "$(readlink "$(SIEVE_DIR alice)/active")" = mine.sieve ]
  [ ! -e "$(SIEVE_DIR alice)/vacation.sieve" ] && [ ! -e "$(SIEVE_DIR alice)/vacation.svbin" ]
  run posta user vacation alice@example.test --off
  assert_failure 1
  run posta user vacation alice@example.test --subject S --body-file "$BATS_TEST_TMPDIR/body" --until 2001-01-01
  assert_failure 2
  assert_output --partial 'in the past'
  run posta user vacation alice@example.test --subject S
  assert_failure 2
  # a script of that name the user wrote is not overwritten
  printf 'keep;\n' | posta user sieve put alice@example.test vacation -
  run posta user vacation alice@example.test --subject S --body-file "$BATS_TEST_TMPDIR/body"
  assert_failure 1
  assert_output --partial 'did not write'
  posta user sieve deactivate alice@example.test
  rm -rf "$(SIEVE_DIR alice)"
}
