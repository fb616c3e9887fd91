#!/usr/bin/env bats
# The docs: man pages lint clean and every cited posta page exists (make lint).
load ../lib/instance

setup() { load_helpers; }

@test "make lint: mandoc finds nothing and every cross-reference resolves" {
  run make -C "$POSTA_SRC" --no-print-directory lint
  assert_success
  refute_output --partial "WARNING"
}

@test "check-xrefs fails on a reference to a page that does not exist" {
  local t=$BATS_TEST_TMPDIR/tree
  mkdir -p "$t/contrib"
  cp -R "$POSTA_SRC/man" "$t/"
  cp "$POSTA_SRC/README" "$POSTA_SRC/SECURITY.md" "$POSTA_SRC/INTERNALS.md" "$t/"
  cp "$POSTA_SRC/contrib/check-xrefs" "$t/contrib/"
  run "$t/contrib/check-xrefs"
  assert_success
  printf '.Sh SEE ALSO\n.Xr posta-user 8\n' >>"$t/man/posta-local.8"
  run "$t/contrib/check-xrefs"
  assert_failure
  assert_output --partial "posta-user(8) is cited but man/posta-user.8 does not exist"
}

@test "every program has a man page" {
  local c
  for c in "$POSTA_SRC"/cmd/*/; do
    c=$(basename "$c")
    ls "$POSTA_SRC"/man/"$c".[0-9] >/dev/null
  done
}
