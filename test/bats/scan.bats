#!/usr/bin/env bats
# Virus scanning through a real clamd (test/lib/clamd.bash): the test clamd itself, checked
# with an INSTREAM client independent of posta (test/lib/instream.py), then lib/scan's client
# against it (the ClamdLive unit tests, which skip without POSTA_TEST_CLAMD).
load ../lib/instance
load ../lib/clamd

setup_file() {
  export T=$(mktemp -d /tmp/posta-scan.XXXXXX)
  export CLAMD_PORT=$(free_port)
  local t0=$(date +%s%N)
  clamd_start "$T/clamd" "$CLAMD_PORT"
  echo "$(( ($(date +%s%N) - t0) / 1000000 ))" >"$T/start-ms"
  printf '%s' "$EICAR" >"$T/eicar.com"
  printf 'From: a@example.test\r\nSubject: hello\r\n\r\nnothing to see here\r\n' >"$T/clean.eml"
}

teardown_file() {
  clamd_stop
  rm -rf "$T"
}

setup() { load_helpers; }

instream() { "$PY" "$POSTA_SRC/test/lib/instream.py" "$@"; }

@test "the test clamd answers PING on its unix socket and on loopback TCP, soon after start" {
  run instream "$CLAMD_SOCKET" --ping
  assert_success
  assert_output PONG
  run instream "$CLAMD_TCP" --ping
  assert_success
  assert_output PONG
  echo "# clamd_start took $(cat "$T/start-ms") ms" >&3
  [ "$(cat "$T/start-ms")" -lt 20000 ]
}

@test "the test clamd finds EICAR and passes a clean message (INSTREAM, unix and TCP)" {
  run instream "$CLAMD_SOCKET" "$T/eicar.com"
  assert_success
  assert_output "stream: Eicar-Test-Signature.UNOFFICIAL FOUND"
  run instream "$CLAMD_TCP" "$T/eicar.com"
  assert_output "stream: Eicar-Test-Signature.UNOFFICIAL FOUND"
  run instream "$CLAMD_SOCKET" "$T/clean.eml"
  assert_success
  assert_output "stream: OK"
}

@test "the test clamd refuses a stream past its StreamMaxLength (what lib/scan's streammax avoids)" {
  head -c $((CLAMD_STREAMMAX + 65536)) /dev/zero >"$T/big"
  run instream "$CLAMD_SOCKET" "$T/big"
  # clamd answers and closes mid-stream; the client sees the answer or the reset
  [[ "$output" == *"size limit exceeded"* || "$output" == *"reset"* || "$output" == *"Broken pipe"* ]]
  refute_output --partial "stream: OK"
}

@test "lib/scan's clamd client against the real clamd, on its unix socket and on loopback TCP (ClamdLive)" {
  local address
  for address in "$CLAMD_SOCKET" "$CLAMD_TCP"; do
    run env POSTA_TEST_CLAMD="$address" POSTA_TEST_CLAMD_STREAMMAX="$CLAMD_STREAMMAX" \
      "$POSTA_BIN/unit-tests" --gtest_filter='ClamdLive*'
    assert_success
    assert_output --partial "[  PASSED  ] 5 tests."
    refute_output --partial "SKIPPED"
  done
}

@test "ClamdLive is skipped, not failed, without a clamd" {
  run env -u POSTA_TEST_CLAMD "$POSTA_BIN/unit-tests" --gtest_filter='ClamdLive*'
  assert_success
  assert_output --partial "SKIPPED"
}
