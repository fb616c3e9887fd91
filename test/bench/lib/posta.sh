# A posta instance for benchmarks, made with the same helpers as the Bats suites.
# posta_bench_setup: instance in /tmp/posta-test.*/inst (instance_create) with domain
# bench.test, users user1..user20@bench.test (password "bench", yescrypt) and
# idle@bench.test (password "bench", a cheap SHA-256 crypt: for workloads that log in often
# without measuring the hash); state saved in $BENCH_WORK/posta.env.
# With BENCH_SHARE=1 (a small run) the workloads share one instance: setup reuses it (and
# resets the peak memory of its processes, so each workload's peak is its own), teardown
# leaves it running, and the harness stops it at the end. Workloads therefore use mailboxes
# of their own and leave the queue empty.
. "$(cd "$(dirname "${BASH_SOURCE[0]}")/../../lib" && pwd)/instance.bash"
posta_bench_setup() {
  if [ -f "$BENCH_WORK/posta.env" ]; then
    . "$BENCH_WORK/posta.env"
    reset_peaks $(posta_pids)
    return 0
  fi
  instance_create bench.test >/dev/null 2>&1 || return 1
  echo yes >"$PH/control/authplaintext"
  # one hash (yescrypt costs ~0.1-2 s a time here), the other users imported with it
  echo bench | "$POSTA_BIN/posta-user" --home "$PH" add user1@bench.test --password-stdin >/dev/null || return 1
  local hash cheap
  hash=$("$POSTA_BIN/posta-user" --home "$PH" export | awk -F'\t' '$1 == "user1@bench.test" {print $2}')
  cheap=$(openssl passwd -5 -salt benchsalt bench) || return 1
  { seq 2 20 | awk -v h="$hash" '{printf "user%s@bench.test\t%s\t1\t0\t0\t\t\t0\t0\t0\n", $1, h}'
    printf 'idle@bench.test\t%s\t1\t0\t0\t\t\t0\t0\t0\n' "$cheap"
  } | "$POSTA_BIN/posta-user" --home "$PH" import >/dev/null || return 1
  declare -p PH POSTA_HOME PORT_BASE SMTP_PORT SUBMISSION_PORT IMAP_PORT POP3_PORT POP3S_PORT IMAPS_PORT SMTPS_PORT INSTANCE_IP | sed 's/^declare -[a-z-]* /export /' >"$BENCH_WORK/posta.env"
  instance_start >&2
  # the mailtasks service's index passes would index the workloads' folders behind their
  # backs; the workloads that measure indexing run posta-mail index themselves
  s6-svc -d "$PH/service/mailtasks"
}
# posta_bench_stop: stops the instance (a shared one only when BENCH_SHARE is not 1)
posta_bench_stop() {
  [ -f "$BENCH_WORK/posta.env" ] || return 0
  [ "${BENCH_SHARE:-0}" = 1 ] && return 0
  . "$BENCH_WORK/posta.env"
  # s6-svscan is an orphan by now (started by an earlier invocation): instance_stop's
  # kill -0 would wait seconds for init to reap it; stop it here, then let instance_stop
  # kill what is left and remove the instance
  local pid; pid=$(cat "$PH/svscan.pid" 2>/dev/null)
  if [ -n "$pid" ]; then
    s6-svscanctl -t "$PH/service" 2>/dev/null || kill "$pid" 2>/dev/null
    wait_gone 5 "$pid"
    kill -9 "$pid" 2>/dev/null; rm -f "$PH/svscan.pid"
  fi
  instance_stop
  rm -f "$BENCH_WORK/posta.env"
}
# posta_cheap_hash: the password hash of idle@bench.test
posta_cheap_hash() {
  "$POSTA_BIN/posta-user" --home "$PH" export | awk -F'\t' '$1 == "idle@bench.test" {print $2}'
}
# pids of the services' supervision trees, for peak memory
posta_pids() { pgrep -f "$PH/service" | tr '\n' ' '; }
# every later invocation of a workload (posta, peer, teardown) sees the instance's ports
if [ -f "$BENCH_WORK/posta.env" ]; then . "$BENCH_WORK/posta.env"; fi
# filter_off, filter_on: posta-smtpd hands messages to the queue itself, or through
# posta-spamcheck (control/smtpqueue as posta-setup writes it)
filter_off() { [ -f "$PH/control/smtpqueue" ] && mv "$PH/control/smtpqueue" "$BENCH_WORK/smtpqueue.saved"; true; }
filter_on() { [ -f "$BENCH_WORK/smtpqueue.saved" ] && mv "$BENCH_WORK/smtpqueue.saved" "$PH/control/smtpqueue"; true; }
# posta_empty_queue: removes every message (posta-send is down: nothing else holds them)
posta_empty_queue() { find "$PH/queue/mess" "$PH/queue/todo" "$PH/queue/intd" -type f -delete 2>/dev/null; true; }
