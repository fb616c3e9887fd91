#!/bin/bash
# Remote delivery throughput: 1,000 messages to 50 domains whose MX records (our own
# dnsmasq on loopback) point at Postfix's smtp-sink on 5 loopback addresses.
# Drives posta-remote directly, CONC deliveries at a time (as posta-send would with
# concurrencyremote), and prints "name value unit" lines. The lead's harness runs the
# Postfix side (same sinks, same DNS) for comparison.
set -eu
cd "$(dirname "$0")/../.."
BIN=${POSTA_BIN:-$PWD/${BUILD:-build}/bin}
N=${N:-1000} DOMAINS=${DOMAINS:-50} CONC=${CONC:-20}
T=$(mktemp -d /tmp/posta-bench-remote.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$T"; }
trap cleanup EXIT
port() { echo $(( (RANDOM % 20000) + 30000 )); }
DNS_PORT=$(port) SINK_PORT=$(port)
mkdir -p "$T/h/control" "$T/h/queue"
args=()
for i in $(seq 1 "$DOMAINS"); do
  ip=127.0.0.$(( 21 + i % 5 ))
  args+=(--mx-host=d$i.bench,mx.d$i.bench,10 --host-record=mx.d$i.bench,$ip)
done
/usr/sbin/dnsmasq --keep-in-foreground --no-resolv --no-hosts --port "$DNS_PORT" \
  --listen-address 127.0.0.1 --bind-interfaces --local=/bench/ "${args[@]}" \
  --log-facility=/dev/null &
pids+=($!)
for k in 0 1 2 3 4; do
  /usr/sbin/smtp-sink $( [ "$(id -u)" = 0 ] && echo -u nobody ) -c 127.0.0.2$((1 + k)):"$SINK_PORT" 256 >/dev/null 2>&1 &
  pids+=($!)
done
echo "127.0.0.1:$DNS_PORT" >"$T/h/control/resolvers"
echo "$SINK_PORT" >"$T/h/control/smtpport"
echo bench.example >"$T/h/control/me"
# wait for the sinks
for k in 1 2 3 4 5; do
  for _ in $(seq 100); do (exec 9<>/dev/tcp/127.0.0.2$k/$SINK_PORT) 2>/dev/null && break; sleep 0.05; done
done
head -c 3000 /dev/urandom | base64 -w 76 | sed '1i From: a@bench.example\nTo: b@d1.bench\nSubject: bench\n' >"$T/msg"
export POSTA_HOME=$T/h BIN T
start=$(date +%s.%N)
seq 1 "$N" | xargs -P "$CONC" -I{} bash -c \
  'd=d$(( {} % '"$DOMAINS"' + 1 )).bench; "$BIN/posta-remote" $d a@bench.example u{}@$d <"$T/msg" 2>>"$T/log.{}" | tr "\0" "\n" | grep -c "^K" >>"$T/ok.{}" || true'
end=$(date +%s.%N)
cat "$T"/log.* | grep -v "status=K" | head -3 >&2
ok=$(cat "$T"/ok.* | awk '$1 == 1' | wc -l)
secs=$(echo "$end - $start" | bc -l)
printf 'posta-remote-messages %d count\n' "$ok"
printf 'posta-remote-seconds %.2f s\n' "$secs"
printf 'posta-remote-rate %.1f msg/s\n' "$(echo "$ok / $secs" | bc -l)"
