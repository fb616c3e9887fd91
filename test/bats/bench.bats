#!/usr/bin/env bats
# The benchmark harness itself must not rot: its smallest setting on one plain workload and
# on one posta-instance workload, and a side that fails must show as failed.

setup() {
  load /usr/lib/bats/bats-support/load
  load /usr/lib/bats/bats-assert/load
}

@test "make bench harness: BENCH_SCALE=small, one round of tcpd prints the table" {
  command -v tcpserver || skip "ucspi-tcp is not installed"
  run env BENCH_SCALE=small BENCH_ROUNDS=1 BENCH=tcpd "$BATS_TEST_DIRNAME/../bench/run"
  assert_success
  assert_line --regexp '^workload +unit +posta +peer'
  assert_line --regexp '^tcpd +conn/s +[0-9.]+ \([0-9.]+-[0-9.]+\) +[0-9.]+ '
}

@test "make bench harness: a posta instance workload (pop3, small, one round) gives figures" {
  command -v dovecot || skip "dovecot is not installed"
  run env BENCH_SCALE=small BENCH_ROUNDS=1 BENCH=pop3 "$BATS_TEST_DIRNAME/../bench/run"
  assert_success
  assert_line --regexp '^pop3 +msg/s +[0-9.]+ \([0-9.]+-[0-9.]+\) +[0-9.]+ \([0-9.]+-[0-9.]+\) +[0-9.]+ '
  refute_output --partial failed
}

@test "make bench harness: a side without a figure reads failed and the run exits non-zero" {
  mkdir -p "$BATS_TEST_TMPDIR/w"
  cat >"$BATS_TEST_TMPDIR/w/10-fake.sh" <<'SH'
case $1 in
  check|setup|teardown) true ;;
  posta) echo "12.5 msg/s 100" ;;
  peer) echo "peer crashed" >&2 ;;
esac
SH
  run env BENCH_ROUNDS=2 BENCH_WORKLOADS="$BATS_TEST_TMPDIR/w" "$BATS_TEST_DIRNAME/../bench/run"
  assert_failure 1
  assert_line --regexp '^fake +msg/s +12.5 \(12.5-12.5\) +failed +failed '
  assert_output --partial 'fake round 1 peer failed: peer crashed'
}

@test "bench harness cleans up after itself: every work directory of the runs above is gone" {
  run env BENCH_ROUNDS=1 BENCH_WORKLOADS="$BATS_TEST_TMPDIR" "$BATS_TEST_DIRNAME/../bench/run"
  assert_success
  dir=$(sed -n 's/^bench: info: work directory //p' <<<"$output")
  [ -n "$dir" ] && [ ! -e "$dir" ]
}
