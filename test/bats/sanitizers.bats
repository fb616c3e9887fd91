#!/usr/bin/env bats
# The smtpd, imapd, pop3d, tlsd and queue suites against the ASan+UBSan build (make SAN=1,
# build-san/bin, or $SAN_BIN): each suite must pass and no sanitizer may report anything.
# Daemons' stderr goes to s6-log files inside instances that the suites delete, so every
# report is written by the runtime itself to a directory of ours (log_path), which must be
# empty afterwards; halt_on_error/abort_on_error make the first report also fail its test.
# Leak checking is off: programs that exit (or exec) with live allocations are not defects.
# make test-san runs this suite alone; make test runs it too (see the Makefile).

load ../lib/instance

setup_file() {
  : "${SAN_BIN:=$POSTA_SRC/build-san/bin}"
  export SAN_BIN
}

setup() {
  load_helpers
  [ -x "$SAN_BIN/posta-smtpd" ] || fail "no sanitizer build in $SAN_BIN (make SAN=1)"
  nm -C "$SAN_BIN/posta-smtpd" 2>/dev/null | grep -q __asan_init ||
    fail "$SAN_BIN/posta-smtpd is not built with ASan"
}

# san_suite SUITE [VAR=VALUE...]: runs test/bats/SUITE with POSTA_BIN=$SAN_BIN; fails on a
# failed test or on any sanitizer report (the first lines of each are shown)
san_suite() {
  local suite=$1; shift
  local logs=$BATS_FILE_TMPDIR/reports/${suite%.bats}
  mkdir -p "$logs"
  local opts="halt_on_error=1:abort_on_error=1:print_stacktrace=1"
  run env "$@" POSTA_BIN="$SAN_BIN" \
    ASAN_OPTIONS="$opts:detect_leaks=0:log_path=$logs/asan" \
    UBSAN_OPTIONS="$opts:log_path=$logs/ubsan" \
    bats --tap "$POSTA_SRC/test/bats/$suite"
  local ok notok reports
  ok=$(grep -c '^ok ' <<<"$output")
  notok=$(grep -c '^not ok ' <<<"$output")
  reports=$(find "$logs" -type f | wc -l)
  echo "# $suite under ASan+UBSan: $ok passed, $notok failed, $reports sanitizer reports" >&3
  if [ "$reports" != 0 ]; then
    local f
    for f in "$logs"/*; do echo "== $f"; head -40 "$f"; done
    fail "$suite: $reports sanitizer reports"
  fi
  [ "$status" = 0 ] && [ "$ok" -gt 0 ] || {
    grep -v '^ok ' <<<"$output" | tail -60
    fail "$suite failed under the sanitizers (exit $status)"
  }
}

@test "sanitizers: smtpd.bats" { san_suite smtpd.bats; }
@test "sanitizers: smtpd-bad.bats" { san_suite smtpd-bad.bats; }
@test "sanitizers: smtpd-relay.bats" { san_suite smtpd-relay.bats; }
@test "sanitizers: imapd.bats" { san_suite imapd.bats; }
@test "sanitizers: imapd-instance.bats" { san_suite imapd-instance.bats; }
@test "sanitizers: pop3d.bats" { san_suite pop3d.bats; }
@test "sanitizers: tlsd.bats" { san_suite tlsd.bats; }
@test "sanitizers: queue.bats" { san_suite queue.bats; }
@test "sanitizers: queued.bats" { san_suite queued.bats; }
# the crash test with fewer messages: each one execs an instrumented posta-queue
@test "sanitizers: queue-crash.bats" { san_suite queue-crash.bats QUEUE_CRASH_N=400; }
