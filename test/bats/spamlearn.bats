#!/usr/bin/env bats
# The classifier of posta-spamcheck and its learner: `learn`, `unlearn`, `expire`, and the
# spamlearn service applying the requests posta-imapd leaves when a user moves mail into
# Junk, with real clients (swaks, imaplib) against a throwaway instance.
load ../lib/instance

D=example.test

setup_file() {
  instance_create $D
  echo alicepw | posta user add alice@$D --password-stdin >&2
  posta user add bob@$D --no-password >&2
  printf '1\n' >"$PH/control/spamlearninterval"
  [ "$(id -u)" = 0 ] && chown "$(stat -c %U "$PH")" "$PH/control/spamlearninterval"
  instance_start
  wait_for 20 test -S "$PH/queue/lock/control"
  # exactly the minimum learned of each (control/spamminlearned unset: 200), from two
  # vocabularies that share no word
  python3 "$POSTA_SRC/test/lib/spam_corpus.py" spam 200 "${PH%/inst}/spam" 1
  python3 "$POSTA_SRC/test/lib/spam_corpus.py" ham 200 "${PH%/inst}/ham" 2
  chmod -R a+rX "${PH%/inst}/spam" "${PH%/inst}/ham"
  "$POSTA_BIN/posta-spamcheck" learn --spam "${PH%/inst}/spam" >&2
  "$POSTA_BIN/posta-spamcheck" learn --ham "${PH%/inst}/ham" >&2
}

teardown_file() { instance_stop; }

# T: a directory of the test's files that the learner (the instance owner) can read
setup() {
  load_helpers
  T=${PH%/inst}/t$BATS_TEST_NUMBER
  mkdir -p "$T"
  chmod 755 "$T"
}

own() { [ "$(id -u)" = 0 ] && chown -R "$(stat -c %U "$PH")" "$@"; return 0; }

md() { echo "$PH/mail/$D/$1"; }
delivered() { grep -l -r "^Subject: $2" "$1" 2>/dev/null | head -n 1; }
has_delivered() { [ -n "$(delivered "$1" "$2")" ]; }

# A message of words the store has never seen: the classifier says 0.5 until it is learned.
borderline() {  # borderline SUBJECT MESSAGE-ID
  python3 - "$1" "$2" <<'PY'
import random, string, sys
rnd = random.Random(7)
words = ["".join(rnd.choice(string.ascii_lowercase) for _ in range(rnd.randint(6, 9))) for _ in range(120)]
print(f"From: someone@fresh.example\nTo: alice@example.test\nSubject: {sys.argv[1]}\n"
      f"Message-ID: <{sys.argv[2]}@fresh.example>\nDate: Mon, 7 Dec 2026 10:00:00 +0000\n")
for i in range(0, len(words), 10):
    print(" ".join(words[i:i + 10]))
PY
}

@test "spamlearn: posta-setup made the spamlearn service and it is up" {
  [ -x "$PH/service/spamlearn/run" ]
  grep -q 'posta-spamcheck learn --requests --loop' "$PH/service/spamlearn/run"
  [ "$(s6-svstat -o up "$PH/service/spamlearn")" = true ]
}

@test "spamlearn: check shows BAYES_99-ish for spam and BAYES_00-ish for ham, with the tokens" {
  python3 "$POSTA_SRC/test/lib/spam_corpus.py" spam 1 "$T/s" 31
  python3 "$POSTA_SRC/test/lib/spam_corpus.py" ham 1 "$T/h" 32
  run "$POSTA_BIN/posta-spamcheck" check --verbose "$T/s/new/spam.0" "$T/h/new/ham.0"
  assert_success
  assert_line --regexp '^ +5\.0  BAYES_999  spam probability 1\.0000 \([0-9]+ tokens\)$'
  assert_line --regexp '^ +-2\.0  BAYES_00  spam probability 0\.0000 \([0-9]+ tokens\)$'
  assert_line --regexp '^    0\.99[0-9]+  spam 200 ham 0  from:dom:deals\.example$'
  run "$POSTA_BIN/posta-spamcheck" check --json "$T/h/new/ham.0"
  assert_success
  assert_output --partial '"name":"BAYES_00","score":-2.0'
  assert_output --partial '"bayes":{"probability":0.000'
  assert_output --partial '{"token":"from:dom:work.example","f":0.00'
}

@test "spamlearn: the same message learned twice counts once, unlearn reverts" {
  borderline "twice" twice >"$T/m"
  run "$POSTA_BIN/posta-spamcheck" check "$T/m"
  assert_line --regexp '^ +0\.0  BAYES_50  spam probability 0\.5000 '
  run "$POSTA_BIN/posta-spamcheck" learn --spam "$T/m"
  assert_success
  assert_output "learned 1, moved 0, already 0"
  run "$POSTA_BIN/posta-spamcheck" learn --spam "$T/m"
  assert_output "learned 0, moved 0, already 1"
  run "$POSTA_BIN/posta-spamcheck" check "$T/m"
  assert_line --regexp '^ +5\.0  BAYES_999 '
  run "$POSTA_BIN/posta-spamcheck" learn --ham "$T/m"
  assert_output "learned 0, moved 1, already 0"
  run "$POSTA_BIN/posta-spamcheck" check "$T/m"
  assert_line --regexp '^ +-2\.0  BAYES_00 '
  run "$POSTA_BIN/posta-spamcheck" unlearn "$T/m"
  assert_success
  assert_output "unlearned 1, not learned 0"
  run "$POSTA_BIN/posta-spamcheck" check "$T/m"
  assert_line --regexp '^ +0\.0  BAYES_50  spam probability 0\.5000 '
  run "$POSTA_BIN/posta-spamcheck" unlearn "$T/m"
  assert_output "unlearned 0, not learned 1"
}

@test "spamlearn: learn takes an mbox file: each of its messages, keyed as the same message in a file" {
  borderline "mbox-1" mbox-1 >"$T/m1"
  borderline "mbox-2" mbox-2 >"$T/m2"
  { echo "From someone@fresh.example Mon Dec  7 10:00:00 2026"; cat "$T/m1"; echo
    echo "From someone@fresh.example Mon Dec  7 10:01:00 2026"; cat "$T/m2"
    echo ">From the mbox"; echo; } >"$T/mbox"
  run "$POSTA_BIN/posta-spamcheck" learn --spam "$T/mbox"
  assert_success
  assert_output "learned 2, moved 0, already 0"
  run "$POSTA_BIN/posta-spamcheck" learn --spam "$T/m1"
  assert_output "learned 0, moved 0, already 1"
  run "$POSTA_BIN/posta-spamcheck" unlearn "$T/mbox"
  assert_output "unlearned 2, not learned 0"
}

@test "spamlearn: too little learned adds no BAYES entry; control/spamminlearned sets the minimum" {
  python3 "$POSTA_SRC/test/lib/spam_corpus.py" spam 1 "$T/s" 41
  printf '500\n' >"$PH/control/spamminlearned"
  run "$POSTA_BIN/posta-spamcheck" check "$T/s/new/spam.0"
  rm "$PH/control/spamminlearned"
  assert_success
  refute_output --partial BAYES_
}

@test "spamlearn: an IMAP move into the \\Junk folder (made with CREATE USE) changes the next identical message's verdict" {
  borderline "move-me" move-me >"$T/m"
  run swaks --server 127.0.0.1 --port "$SMTP_PORT" --from someone@fresh.example --to alice@$D \
    --data "$T/m"
  assert_success
  wait_for 20 has_delivered "$(md alice)/new" move-me
  f=$(delivered "$(md alice)/new" move-me)
  grep -q '^X-Spam-Status: No, ' "$f"
  grep -q '^	tests=.*BAYES_50' "$f"
  run "$PY" - "$IMAP_PORT" <<'PY'
import imaplib, ssl, sys
m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
m.starttls(ssl_context=ssl._create_unverified_context())
m.login("alice@example.test", "alicepw")
m._simple_command("CREATE", "Pourriel", r"(USE (\Junk))")
m.select("INBOX")
typ, data = m.uid("SEARCH", None, "HEADER", "Subject", "move-me")
uid = data[0].split()[0].decode()
typ, data = m.uid("MOVE", uid, "Pourriel")
print("MOVE", typ)
m.logout()
PY
  assert_success
  assert_line "MOVE OK"
  # the spamlearn service (control/spamlearninterval 1) applies the request and removes it
  wait_for 20 sh -c "grep -q 'learned 1, moved 0' '$PH/log/spamlearn/current'"
  [ -z "$(ls "$PH/spam/learn/new")" ]
  rm "$f" 2>/dev/null || true
  run swaks --server 127.0.0.1 --port "$SMTP_PORT" --from someone@fresh.example --to alice@$D \
    --data "$T/m"
  assert_success
  wait_for 20 sh -c "grep -l -r '^Subject: move-me' '$(md alice)/.Junk' | grep -q ."
  n=$(grep -l -r '^X-Spam-Flag: YES' "$(md alice)/.Junk" | xargs grep -l '^Subject: move-me' | wc -l)
  [ "$n" = 1 ]
  wait_for 5 grep -q 'verdict=spam .*BAYES_999' "$PH/log/spamcheck/current"
}

@test "spamlearn: learn --requests applies each request once and removes it; spamlearn no drops them" {
  borderline "requests" requests >"$T/m"
  s6-svc -d "$PH/service/spamlearn"
  wait_for 20 sh -c "[ \"\$(s6-svstat -o up '$PH/service/spamlearn')\" = false ]"
  mkdir -p "$PH/spam/learn/new"
  cp "$T/m" "$PH/spam/learn/new/1.1_0.s.616c696365"
  cp "$T/m" "$PH/spam/learn/new/1.1_1.s.616c696365"
  own "$PH/spam/learn"
  run "$POSTA_BIN/posta-spamcheck" learn --requests
  assert_success
  assert_output "learned 1, moved 0, already 1, vanished 0, dropped 0, failed 0"
  [ -z "$(ls "$PH/spam/learn/new")" ]
  printf 'no\n' >"$PH/control/spamlearn"
  cp "$T/m" "$PH/spam/learn/new/1.1_2.h.616c696365"
  own "$PH/spam/learn"
  run "$POSTA_BIN/posta-spamcheck" learn --requests
  rm "$PH/control/spamlearn"
  assert_success
  assert_output "learned 0, moved 0, already 0, vanished 0, dropped 1, failed 0"
  [ -z "$(ls "$PH/spam/learn/new")" ]
  run "$POSTA_BIN/posta-spamcheck" check "$T/m"
  assert_line --regexp '^ +5\.0  BAYES_999 '
  s6-svc -u "$PH/service/spamlearn"
}

@test "spamlearn: mail to one recipient with a store of its own is classified with that store" {
  # bob learned the two vocabularies the other way round
  "$POSTA_BIN/posta-spamcheck" learn --user bob@$D --ham "${PH%/inst}/spam" >&2
  "$POSTA_BIN/posta-spamcheck" learn --user bob@$D --spam "${PH%/inst}/ham" >&2
  [ -f "$PH/spam/users/bob@$D/tokens.db" ]
  python3 "$POSTA_SRC/test/lib/spam_corpus.py" spam 1 "$T/s" 61
  sed -i 's/^Subject: /Subject: own-store /' "$T/s/new/spam.0"
  run swaks --server 127.0.0.1 --port "$SMTP_PORT" --from offers@deals.example --to bob@$D --data "$T/s/new/spam.0"
  assert_success
  wait_for 20 has_delivered "$(md bob)/new" own-store
  grep -q '^	tests=.*BAYES_00' "$(delivered "$(md bob)/new" own-store)"
}

@test "spamlearn: expire keeps what was learned today; usage errors; SIGTERM ends the service cleanly" {
  run "$POSTA_BIN/posta-spamcheck" expire --min-count 2 --max-idle-days 0
  assert_success
  assert_output --regexp '^tokens kept [0-9]+, dropped 0; messages kept [1-9][0-9]*, dropped 0$'
  python3 "$POSTA_SRC/test/lib/spam_corpus.py" ham 1 "$T/h" 51
  run "$POSTA_BIN/posta-spamcheck" check "$T/h/new/ham.0"
  assert_line --regexp '^ +-2\.0  BAYES_00 '
  run "$POSTA_BIN/posta-spamcheck" learn
  assert_failure 2
  wait_for 20 sh -c "[ \"\$(s6-svstat -o up '$PH/service/spamlearn')\" = true ]"
  s6-svc -d "$PH/service/spamlearn"
  wait_for 20 sh -c "[ \"\$(s6-svstat -o up '$PH/service/spamlearn')\" = false ]"
  [ "$(s6-svstat -o exitcode "$PH/service/spamlearn")" = 0 ]
  grep -q 'info: stopping' "$PH/log/spamlearn/current"
}
