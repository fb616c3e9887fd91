#!/usr/bin/env bats
# Faults survived: kill -9 of the whole pipeline under load.
# 1. posta-queue killed at each step of its commit (strace injects SIGKILL at its Nth
#    fsync or at its rename): before the rename into todo/ nothing is delivered, after it the
#    message is delivered exactly once; the queue goes on working.
# 2. A soak: SOAK_N (default 2000) messages through SMTP (port 25 to local users; STARTTLS
#    submission and implicit TLS with AUTH to local users and to a remote sink on 127.0.0.40,
#    through control/smtproutes), each retried by the client until a server says 250, while
#    the long-lived posta processes (tcpd, tlsd, queued, send, lspawn, rspawn, clean, smtpd,
#    authd, policyd, local, remote, posta-spamcheck (the filter in front of the queue, and
#    the learner), and the posta-queue that posta-smtpd runs while posta-queued is down)
#    are killed with SIGKILL at random moments, several times each, and s6 restarts
#    them.
#    Every message that got 250 is delivered at least once, duplicates are counted and
#    reported (the one cost allowed), and the queue is empty at the end.

load ../lib/instance
load ../lib/remote

# posta-smtpd, -local, -remote and -send read the published copy of the accounts and never
# join the Berkeley DB environment; posta-authd does, and its restart runs recovery.
VICTIMS=(posta-tcpd posta-tlsd posta-queued posta-send posta-lspawn posta-rspawn posta-clean
  posta-smtpd posta-authd posta-policyd posta-spamcheck posta-local posta-remote)

setup_file() {
  export T=$(mktemp -d /tmp/posta-soak.XXXXXX)
  chmod 755 "$T"
  instance_create example.test
  echo 1 >"$PH/control/retrybase"
  echo 5 >"$PH/control/retrymax"
  # the remote side: a sink on its own loopback address, reached through a route (no DNS)
  export SINK_PORT=$(free_port)
  start_sink sink --listen "127.0.0.40:$SINK_PORT"
  echo "remote.test:[127.0.0.40]:$SINK_PORT" >"$PH/control/smtproutes"
  echo 5 >"$PH/control/timeoutconnect"
  # local users, and a login for submission with a cheap hash (logins are not what is tested)
  local hash
  hash=$(openssl passwd -5 -salt soaksalt soak)
  { for u in l1 l2 l3 l4 l5; do printf '%s@example.test\t%s\t1\t0\t0\t\t\t0\t0\t0\n' "$u" "$hash"; done
    printf 'sub@example.test\t%s\t1\t0\t0\t\t\t0\t0\t0\n' "$hash"; } |
    posta user --home "$PH" import >&2
  instance_start
  wait_for 20 test -S "$PH/queue/lock/control"
}

teardown_file() {
  instance_stop
  kill_started
  rm -rf "$T"
}

setup() { load_helpers; }

# soak_ids DIR...: the X-Soak number of every message file below DIR, one a line
soak_ids() { find "$@" -type f ! -name '*.tmp*' -print0 | xargs -0 -r grep -h -m1 '^X-Soak: ' | sed 's/^X-Soak: //; s/\r$//'; }

queue_empty() { [ -z "$(posta mailq --json)" ]; }

@test "kill -9 of posta-queue between its fsyncs: nothing half-written is delivered, a renamed message is" {
  command -v strace >/dev/null || fail "strace is needed (contrib/install-deps test)"
  # the writer's system calls, in order (lib/queue/writer.cc): fsync 1 the message, fsync 2
  # the envelope in intd/, fsync 3 mess/, rename intd/ -> todo/, fsync 4 todo/
  local step points=(fsync:1 fsync:2 fsync:3 rename:1 fsync:4) rc
  for step in "${points[@]}"; do
    printf 'X-Step: %s\nSubject: step %s\n\nbody\n' "$step" "$step" |
      strace -f -qq -o /dev/null -e trace=fsync,rename \
        -e inject="${step%:*}:signal=SIGKILL:when=${step#*:}" "$POSTA_BIN/posta-queue" \
        1< <(printf 'Fsender@example.test\0Tl1@example.test\0\0') && rc=0 || rc=$?
    echo "# posta-queue killed at $step: exit $rc" >&3
    [ "$rc" = 137 ]  # killed, never a success
  done
  # a good message afterwards pulls the trigger and is delivered
  printf 'X-Step: after\nSubject: after\n\nbody\n' |
    "$POSTA_BIN/posta-queue" 1< <(printf 'Fsender@example.test\0Tl1@example.test\0\0')
  after() { grep -l '^X-Step: after' "$PH"/mail/example.test/l1/new/* >/dev/null 2>&1; }
  wait_for 60 after
  wait_for 60 queue_empty
  got=$(cat "$PH"/mail/example.test/l1/new/* | sed -n 's/^X-Step: //p' | sort | tr '\n' ' ')
  echo "# delivered: $got; left for the 36-hour sweep: mess/ $(find "$PH/queue/mess" -type f | wc -l), intd/ $(find "$PH/queue/intd" -type f | wc -l)" >&3
  # only the message renamed into todo/ before the kill, and the good one, each once
  [ "$got" = "after fsync:4 " ]
  # nothing stays due; a killed writer's mess/ (and intd/) files are state 1 (INTERNALS.md)
  [ -z "$(find "$PH/queue/todo" "$PH/queue/info" -type f)" ]
  rm -f "$PH"/mail/example.test/l1/new/*
}

@test "soak: kill -9 of every long-lived posta process during a ${SOAK_N:-2000}-message SMTP load" {
  local n=${SOAK_N:-2000} out=$BATS_TEST_TMPDIR
  : >"$out/accepted"
  $PY "$POSTA_SRC/test/lib/soak_load.py" "$INSTANCE_IP" "$SMTP_PORT" "$SUBMISSION_PORT" \
    "$SMTPS_PORT" "$n" "$out" sub@example.test soak >"$out/load.log" 2>&1 &
  local load=$! v
  # the load first gets going; then the killer (test/lib/soak_kill.py) while it lasts
  wait_for 60 test -s "$out/accepted"
  $PY "$POSTA_SRC/test/lib/soak_kill.py" "$PH" "$load" "${VICTIMS[@]}" >"$out/kills"
  wait "$load" && rc=0 || rc=$?
  sed 's/^/# /' "$out/load.log" "$out/kills" >&3
  [ "$rc" = 0 ] || fail "the load gave up on some messages (exit $rc): $(tail -n 3 "$out/load.log")"
  # several kills of each (the "during" line says how many fell while the load ran)
  local total
  total=$(sed -n 's/^total: //p' "$out/kills")
  for v in "${VICTIMS[@]}"; do
    [[ " $total" =~ \ ${v#posta-}=([0-9]+) ]] && [ "${BASH_REMATCH[1]}" -ge 2 ] ||
      fail "$v was not killed at least twice: $total"
  done

  # s6 brings everything back; then the queue drains
  for svc in "$PH"/service/*/; do
    [ -f "$svc/notification-fd" ] && { wait_for 30 _instance_ready "${svc%/}" || fail "${svc%/} not ready again in 30 s"; }
  done
  wait_for 30 test -S "$PH/queue/lock/control"
  wait_for 30 posta qctl flush
  wait_for 300 queue_empty || fail "the queue did not drain in 300 s: $(posta mailq | head -10)"

  # every accepted message at least once where it was addressed to
  sort -n -u "$out/accepted" >"$out/acc"
  soak_ids "$PH"/mail/example.test/l*/new "$PH"/mail/example.test/l*/cur | sort -n >"$out/local"
  soak_ids "$T/sink" | sort -n >"$out/remote"
  local want_local want_remote miss_l miss_r dup_l dup_r
  awk '$1 % 4 != 2' "$out/acc" >"$out/want.local"
  awk '$1 % 4 >= 2' "$out/acc" >"$out/want.remote"
  miss_l=$(comm -23 "$out/want.local" <(sort -n -u "$out/local") | wc -l)
  miss_r=$(comm -23 "$out/want.remote" <(sort -n -u "$out/remote") | wc -l)
  dup_l=$(( $(wc -l <"$out/local") - $(sort -u "$out/local" | wc -l) ))
  dup_r=$(( $(wc -l <"$out/remote") - $(sort -u "$out/remote" | wc -l) ))
  echo "# accepted $(wc -l <"$out/acc") of $n; local: $(wc -l <"$out/want.local") due, $(sort -u "$out/local" | wc -l) delivered, $miss_l missing, $dup_l duplicates; remote: $(wc -l <"$out/want.remote") due, $(sort -u "$out/remote" | wc -l) delivered, $miss_r missing, $dup_r duplicates" >&3
  echo "# spool after: todo $(find "$PH/queue/todo" -type f | wc -l), info $(find "$PH/queue/info" -type f | wc -l), mess $(find "$PH/queue/mess" -type f | wc -l) (killed writers' leftovers: the 36-hour sweep)" >&3
  [ "$(wc -l <"$out/acc")" = "$n" ] || fail "only $(wc -l <"$out/acc") of $n accepted"
  [ "$miss_l" = 0 ] || fail "missing locally: $(comm -23 "$out/want.local" <(sort -n -u "$out/local") | head -5 | tr '\n' ' ')"
  [ "$miss_r" = 0 ] || fail "missing remotely: $(comm -23 "$out/want.remote" <(sort -n -u "$out/remote") | head -5 | tr '\n' ' ')"
  [ -z "$(find "$PH/queue/todo" "$PH/queue/info" -type f)" ] || fail "left in the queue: $(find "$PH/queue/todo" "$PH/queue/info" -type f | head -5)"
}
