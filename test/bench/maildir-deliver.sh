#!/bin/bash
# posta-local benchmark: 1,000 deliveries of a 4 KB message straight into one Maildir
# (no queue), fsync on as always. Prints "name value unit" lines:
#   maildir_deliver_1000x4k        wall time of the 1,000 sequential posta-local runs
#   maildir_deliver_rate           deliveries per second
#   maildir_deliver_1000x4k_quota  the same into a Maildir with a Maildir++ quota
# usage: test/bench/maildir-deliver.sh [COUNT]   (BUILD=build-x selects the binaries)
set -eu
cd "$(dirname "$0")/../.."
BIN=${POSTA_BIN:-$PWD/${BUILD:-build}/bin}
N=${1:-1000}
work=$(mktemp -d /tmp/posta-bench-local.XXXXXX)
trap 'rm -rf "$work"' EXIT
export POSTA_HOME=$work/inst
mkdir -p "$POSTA_HOME"
"$BIN/posta-domain" add bench.test 2>/dev/null
"$BIN/posta-user" add plain@bench.test --no-password 2>/dev/null
"$BIN/posta-user" add quota@bench.test --no-password --quota-bytes 1000000000 --quota-messages 1000000 2>/dev/null

msg=$work/msg
{ printf 'From: a@remote.test\nTo: plain@bench.test\nSubject: bench\n\n'
  head -c 3000 /dev/urandom | base64 -w 76; } | head -c 4096 >"$msg"

now() { date +%s.%N; }
run() {  # RECIPIENT -> seconds
  local t0 t1 i
  t0=$(now)
  for ((i = 0; i < N; i++)); do
    "$BIN/posta-local" a@remote.test "$1" <"$msg" >/dev/null 2>&1 || { echo "delivery failed" >&2; exit 1; }
  done
  t1=$(now)
  awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}'
}

t=$(run plain@bench.test)
got=$(find "$POSTA_HOME/mail/bench.test/plain/new" -type f | wc -l)
[ "$got" = "$N" ] || { echo "expected $N messages, found $got" >&2; exit 1; }
echo "maildir_deliver_${N}x4k $t s"
awk -v n="$N" -v t="$t" 'BEGIN {printf "maildir_deliver_rate %.0f msg/s\n", n / t}'
t=$(run quota@bench.test)
echo "maildir_deliver_${N}x4k_quota $t s"
