#!/usr/bin/env bats
# The smtpd, imapd, pop3d, tlsd and queue suites against the ASan+UBSan build (make SAN=1,
# build-san/bin, or $SAN_BIN): each suite must pass and no sanitizer may report anything.
# Daemons' stderr goes to s6-log files inside instances that the suites delete, so ASan
# writes every report to a directory of ours (log_path), which must be empty afterwards.
# GCC 12's UBSan (inside libasan) ignores log_path and always writes to stderr, so the
# suites also keep their instances (KEEP_INSTANCE=1) and their logs are searched for
# reports before they are removed. halt_on_error/abort_on_error make the first report also
# end the process, which fails the test that caused it.
# Leak checking is off: programs that exit (or exec) with live allocations are not defects.
# make test-san builds build-san/ and runs this suite alone; make test leaves it out (the
# sanitizer build alone takes ~25 minutes on 2 cores, past what CI allows beside the rest).

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
  local stamp=$BATS_FILE_TMPDIR/stamp.${suite%.bats}
  touch "$stamp"
  run env "$@" POSTA_BIN="$SAN_BIN" KEEP_INSTANCE=1 \
    ASAN_OPTIONS="$opts:detect_leaks=0:log_path=$logs/asan" \
    UBSAN_OPTIONS="$opts:log_path=$logs/ubsan" \
    bats --tap "$POSTA_SRC/test/bats/$suite"
  local ok notok reports
  ok=$(grep -c '^ok ' <<<"$output" || true)
  notok=$(grep -c '^not ok ' <<<"$output" || true)
  # the instances this suite made (after the stamp, running $SAN_BIN): their logs, then away
  local d
  for d in /tmp/posta-test.*/; do
    [ "$d" -nt "$stamp" ] && grep -qs "$SAN_BIN" "$d"inst/service/*/run || continue
    grep -rlE 'runtime error:|ERROR: AddressSanitizer|UndefinedBehaviorSanitizer|ERROR: LeakSanitizer' \
      "$d" 2>/dev/null | while read -r f; do cp "$f" "$logs/log.$(basename "$d").$(basename "$f")"; done
    rm -rf "$d"
  done
  grep -E 'runtime error:|ERROR: AddressSanitizer' <<<"$output" >"$logs/suite-output" || rm -f "$logs/suite-output"
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
