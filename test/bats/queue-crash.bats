#!/usr/bin/env bats
# Crash test: messages are injected and delivered while posta-send, posta-lspawn and
# posta-local are killed with SIGKILL at random moments; afterwards every message that
# posta-queue accepted (exit 0) is in its Maildir. Duplicates are counted and reported.
# QUEUE_CRASH_N (default 2000, as the issue asks: about a minute on an idle 2-core machine,
# two while it also compiles) sets the number of messages.

load ../lib/instance

setup_file() {
  instance_create example.test
  echo 1 >"$PH/control/retrybase"
  echo 5 >"$PH/control/retrymax"
  for u in c1 c2 c3 c4 c5; do posta user add "$u@example.test" --no-password >/dev/null; done
  instance_start
  wait_for 20 test -S "$PH/queue/lock/control"
}

teardown_file() { instance_stop; }

setup() { load_helpers; }

# pids of program NAME that belong to this instance
inst_pids() {
  local p
  for p in $(pgrep -x "$1"); do
    tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "POSTA_HOME=$PH" && echo "$p"
  done
}

inject_range() {  # inject_range FROM TO OKFILE
  local i
  for i in $(seq "$1" "$2"); do
    if printf 'X-Seq: %d\nSubject: crash %d\n\nbody %d\n' "$i" "$i" "$i" |
      "$POSTA_BIN/posta-queue" 1< <(printf 'Fsender@example.test\0Tc%d@example.test\0\0' $((i % 5 + 1))); then
      echo "$i" >>"$3"
    fi
  done
}

@test "kill -9 of posta-send, posta-lspawn and posta-local during a flow: nothing accepted is lost" {
  local n=${QUEUE_CRASH_N:-2000} ok=$BATS_TEST_TMPDIR/ok q=$((${QUEUE_CRASH_N:-2000} / 4))
  : >"$ok"
  inject_range 1 $q "$ok.1" & p1=$!
  inject_range $((q + 1)) $((2 * q)) "$ok.2" & p2=$!
  inject_range $((2 * q + 1)) $((3 * q)) "$ok.3" & p3=$!
  inject_range $((3 * q + 1)) "$n" "$ok.4" & p4=$!
  kills=0
  for round in 1 2 3 4 5 6 7 8 9; do
    sleep "0.$((RANDOM % 7 + 3))"
    case $((round % 3)) in
      0) victim=posta-send ;;
      1) victim=posta-lspawn ;;
      2) victim=posta-local ;;
    esac
    for p in $(inst_pids $victim); do kill -9 "$p" 2>/dev/null && kills=$((kills + 1)); done
  done
  wait $p1 $p2 $p3 $p4
  cat "$ok".? >"$ok"
  accepted=$(wc -l <"$ok")
  echo "# $accepted of $n injections accepted, $kills processes killed" >&3
  [ "$accepted" -gt 0 ]
  wait_for 30 test -S "$PH/queue/lock/control"
  # the family may be restarting: ask until posta-send answers
  wait_for 30 posta qctl flush
  empty() { [ -z "$(posta mailq --json)" ]; }
  wait_for 240 empty
  cat "$PH"/mail/example.test/c[1-5]/new/* | sed -n 's/^X-Seq: //p' | sort -n >"$BATS_TEST_TMPDIR/got"
  sort -n -u "$BATS_TEST_TMPDIR/got" >"$BATS_TEST_TMPDIR/got.u"
  sort -n "$ok" >"$ok.sorted"
  missing=$(comm -23 "$ok.sorted" "$BATS_TEST_TMPDIR/got.u" | wc -l)
  dups=$(( $(wc -l <"$BATS_TEST_TMPDIR/got") - $(wc -l <"$BATS_TEST_TMPDIR/got.u") ))
  echo "# delivered: $(wc -l <"$BATS_TEST_TMPDIR/got.u") distinct, duplicates: $dups, missing: $missing" >&3
  [ "$missing" = 0 ]
  # and every message is in the right Maildir
  for u in 1 2 3 4 5; do
    bad=$(grep -h '^X-Seq: ' "$PH/mail/example.test/c$u/new/"* | awk -v u=$u '{ if ($2 % 5 + 1 != u) print }' | wc -l)
    [ "$bad" = 0 ]
  done
}
