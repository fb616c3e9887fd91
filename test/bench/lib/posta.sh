# A posta instance for benchmarks, made with the same helpers as the Bats suites.
# posta_bench_setup: instance in $BENCH_WORK/posta-*/inst with domain bench.test and users
# user1..user20@bench.test (password "bench"); state saved in $BENCH_WORK/posta.env.
. "$(cd "$(dirname "${BASH_SOURCE[0]}")/../../lib" && pwd)/instance.bash"
posta_bench_setup() {
  [ -f "$BENCH_WORK/posta.env" ] && { . "$BENCH_WORK/posta.env"; return 0; }
  instance_create bench.test >/dev/null 2>&1 || return 1
  echo yes >"$PH/control/authplaintext"
  # one hash (yescrypt costs ~0.1-2 s a time here), the other users imported with it
  echo bench | "$POSTA_BIN/posta-user" --home "$PH" add user1@bench.test --password-stdin >/dev/null || return 1
  local hash
  hash=$("$POSTA_BIN/posta-user" --home "$PH" export | awk -F'\t' '$1 == "user1@bench.test" {print $2}')
  seq 2 20 | awk -v h="$hash" '{printf "user%s@bench.test\t%s\t1\t0\t0\t\t\t0\t0\t0\n", $1, h}' |
    "$POSTA_BIN/posta-user" --home "$PH" import >/dev/null || return 1
  declare -p PH POSTA_HOME PORT_BASE SMTP_PORT SUBMISSION_PORT IMAP_PORT POP3_PORT POP3S_PORT IMAPS_PORT SMTPS_PORT INSTANCE_IP | sed 's/^declare -[a-z-]* /export /' >"$BENCH_WORK/posta.env"
  instance_start >&2
}
posta_bench_stop() {
  [ -f "$BENCH_WORK/posta.env" ] || return 0
  . "$BENCH_WORK/posta.env"
  instance_stop
  rm -f "$BENCH_WORK/posta.env"
}
# pids of the services' supervision trees, for peak memory
posta_pids() { pgrep -f "$PH/service" | tr '\n' ' '; }
# every later invocation of a workload (posta, peer, teardown) sees the instance's ports
if [ -f "$BENCH_WORK/posta.env" ]; then . "$BENCH_WORK/posta.env"; fi
