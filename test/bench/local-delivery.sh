#!/bin/bash
# End-to-end local delivery: N messages of SIZE bytes injected with posta-queue (4 in
# parallel) and delivered into one Maildir by posta-send/posta-lspawn/posta-local, fsync on.
# Prints "name value unit" lines. Usage: test/bench/local-delivery.sh [N] [SIZE]
set -eu
N=${1:-1000} SIZE=${2:-4096}
cd "$(dirname "$0")/../.."
BIN=${POSTA_BIN:-$PWD/${BUILD:-build}/bin}
export POSTA_BIN=$BIN
T=$(mktemp -d /tmp/posta-bench.XXXXXX)
chmod 755 "$T"
export POSTA_HOME=$T/inst
cleanup() {
  [ -n "${SPID:-}" ] && kill "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
"$BIN/posta-setup" --home "$POSTA_HOME" --domain bench.test --port-base 40000 >/dev/null 2>&1
"$BIN/posta-user" add bench@bench.test --no-password >/dev/null
"$BIN/posta-start" 2>"$T/send.log" &
SPID=$!
for i in $(seq 100); do [ -S "$POSTA_HOME/queue/lock/control" ] && break; sleep 0.1; done
body=$(head -c "$SIZE" /dev/zero | tr '\0' x | fold -w 76)
printf 'From: bench@bench.test\nTo: bench@bench.test\nSubject: bench\n\n%s\n' "$body" >"$T/msg"
inject() {
  local i
  for i in $(seq "$1" "$2"); do
    "$BIN/posta-queue" <"$T/msg" 1< <(printf 'Fbench@bench.test\0Tbench@bench.test\0\0') || exit 1
  done
}
start=$(date +%s.%N)
q=$((N / 4))
inject 1 $q & inject $((q + 1)) $((2 * q)) & inject $((2 * q + 1)) $((3 * q)) & inject $((3 * q + 1)) "$N" &
wait %2 %3 %4 %5 2>/dev/null || wait
injected=$(date +%s.%N)
NEW=$POSTA_HOME/mail/bench.test/bench/new
while [ "$(ls "$NEW" | wc -l)" -lt "$N" ]; do sleep 0.05; done
done_t=$(date +%s.%N)
awk -v n="$N" -v s="$start" -v i="$injected" -v d="$done_t" 'BEGIN {
  printf "posta-queue-inject-rate %.1f msg/s\n", n / (i - s)
  printf "posta-local-delivery-rate %.1f msg/s\n", n / (d - s)
  printf "posta-local-delivery-time %.2f s\n", d - s
}'
