# The posta-imapd suites that run "posta-imapd --post-auth" over a pipe on one Maildir
# (imapd-conformance.bats, imapd-condstore.bats): a fresh $MAILDIR per test, and conf,
# which runs the Python on stdin with test/fixtures/posta-imapd/imapconf.py imported; the
# Python prints "ok" at its end. Loading it defines the suite's setup and teardown.

PY=/usr/bin/python3
export FIX=$BATS_TEST_DIRNAME/../fixtures/posta-imapd
export POSTA_BIN=${POSTA_BIN:-$BATS_TEST_DIRNAME/../../build/bin}

setup() {
  load /usr/lib/bats/bats-support/load
  load /usr/lib/bats/bats-assert/load
  T=$(mktemp -d /tmp/imapd-conf.XXXXXX)
  mkdir -p "$T/home/control" "$T/md"/{new,cur,tmp}
  export POSTA_HOME=$T/home MAILDIR=$T/md USER=jo
  unset POSTA_TLS_CONTROL SSL_PROTOCOL IMAP_PORT
}

conf() {
  run timeout 60 $PY -c "$(printf 'import os, re, sys, time\nsys.path.insert(0, os.environ["FIX"])\nfrom imapconf import *\n'; cat)"
  assert_success
  assert_output --partial ok
}

teardown() {
  if [ -n "${PH:-}" ]; then instance_stop; fi  # imapd-conformance.bats starts one
  rm -rf "$T"
}
