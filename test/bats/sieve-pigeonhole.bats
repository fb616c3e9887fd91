#!/usr/bin/env bats
# posta's Sieve against Pigeonhole's (Debian dovecot-sieve, sieve-test without a Dovecot
# daemon): every test/fixtures/sieve/cases/*.sieve with its message must give the same
# actions in both, normalized by test/lib/sieve_pigeonhole.py. posta's side is
# posta-sieve-test(1).

load ../lib/instance

setup() { load_helpers; }

@test "the table holds at least 40 script/message pairs, each naming a message that exists" {
  local n=0 f m
  for f in "$POSTA_SRC"/test/fixtures/sieve/cases/*.sieve; do
    m=$(sed -n '1s/^# message: //p' "$f")
    [ -f "$POSTA_SRC/test/fixtures/sieve/messages/$m" ] || { echo "$f: no message $m" >&2; return 1; }
    n=$((n+1))
  done
  [ "$n" -ge 40 ]
}

@test "posta's actions equal sieve-test's for every pair" {
  local work
  work=$(mktemp -d /tmp/posta-sieve-ph.XXXXXX)
  chmod 755 "$work"  # sieve-test runs as nobody when the tests run as root
  run "$PY" "$POSTA_SRC/test/lib/sieve_pigeonhole.py" "$POSTA_SRC/test/fixtures/sieve" "$POSTA_BIN/posta-sieve-test" "$work/w"
  rm -rf "$work"
  assert_success
  assert_output --regexp ' pairs, 0 differ$'
}

@test "a pair that differs is reported: the comparison can fail" {
  local work
  work=$(mktemp -d /tmp/posta-sieve-ph.XXXXXX)
  chmod 755 "$work"  # sieve-test runs as nobody when the tests run as root
  mkdir -p "$work/f/cases"
  cp -r "$POSTA_SRC/test/fixtures/sieve/messages" "$work/f/"
  printf '# message: plain.eml\nkeep;\n' >"$work/f/cases/01-keep.sieve"
  # a posta stand-in that always discards
  printf '#!/bin/sh\nprintf "Performed actions:\\n * discard\\nImplicit keep:\\n  (none)\\n"\n' >"$work/fake"
  chmod 755 "$work/fake"
  run "$PY" "$POSTA_SRC/test/lib/sieve_pigeonhole.py" "$work/f" "$work/fake" "$work/w"
  rm -rf "$work"
  assert_failure
  assert_output --partial "01-keep.sieve (plain.eml) differs"
}
