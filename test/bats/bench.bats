#!/usr/bin/env bats
# The benchmark harness itself must not rot: its smallest setting on one workload.

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

@test "bench harness cleans up after itself" {
  run bash -c 'ls -d /tmp/posta-bench.* 2>/dev/null | wc -l'
  assert_output 0
}
