#!/bin/bash
# SMTP ingestion: Postfix's smtp-source against posta-smtpd on loopback, S parallel sessions,
# N messages of SIZE bytes, each queued with fsync by posta-queue (posta-send stopped, so
# delivery does not compete). Prints "name value unit" lines.
# Usage: test/bench/smtp-ingest.sh [N] [SESSIONS] [SIZE]   (defaults 2000 20 5120)
set -eu
N=${1:-2000} S=${2:-20} SIZE=${3:-5120}
cd "$(dirname "$0")/../.."
export POSTA_BIN=${POSTA_BIN:-$PWD/${BUILD:-build}/bin}
command -v smtp-source >/dev/null || { echo "smtp-source missing (Debian package postfix)" >&2; exit 1; }
. test/lib/instance.bash
trap instance_stop EXIT
instance_create bench.test >/dev/null 2>&1
echo bench | "$POSTA_BIN/posta-user" --home "$PH" add user1@bench.test --password-stdin >/dev/null
instance_start >/dev/null 2>&1
s6-svc -d "$PH/service/send" 2>/dev/null || true
start=$(date +%s.%N)
smtp-source -s "$S" -l "$SIZE" -m "$N" -f sender@bench.test -t user1@bench.test "127.0.0.1:$SMTP_PORT"
end=$(date +%s.%N)
queued=$(find "$PH/queue/todo" "$PH/queue/info" -type f 2>/dev/null | wc -l)
awk -v n="$N" -v s="$start" -v e="$end" -v q="$queued" 'BEGIN {
  printf "posta-smtp-ingest-rate %.1f msg/s\n", n / (e - s)
  printf "posta-smtp-ingest-time %.2f s\n", e - s
  printf "posta-smtp-ingest-queued %d msg\n", q
}'
