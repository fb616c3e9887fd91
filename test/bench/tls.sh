#!/bin/bash
# posta-tlsd vs stunnel4, same certificate (ECDSA P-256), same run, three sides:
#   posta         posta-tcpd + one posta-tlsd -i per connection (which runs the program)
#   posta_daemon  posta-tcpd -T + one long-lived posta-tlsd -D (the instance's shape): per
#                 connection only the program runs, on plain socketpairs
#   stunnel       stunnel4 in exec mode: one process, one forked program per connection
#   handshakes/s  full TLS 1.3 handshakes (no resumption), 2 parallel `openssl s_time -new`
#   bulk MB/s     one connection downloading 256 MB (TLS_AES_256_GCM_SHA384) from `head -c`
#   idle PSS      KB of proportional set size per idle TLS connection (50 connections),
#                 every process serving them counted (TLS process + /bin/cat behind it)
# Prints "name value unit" lines. posta runs under posta-tcpd if built, else tcpserver.
# usage: test/bench/tls.sh [BUILD_DIR]   (env BENCH_SECS, BENCH_MB, BENCH_IDLE)
# TLS_SH_LIB=1: only define the functions (test/bench/lib/tls_workload.sh sources this).
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
BUILD=${1:-${BUILD:-build}}
BIN=${POSTA_BIN:-$PWD/$BUILD/bin}
PY=/usr/bin/python3
SECS=${BENCH_SECS:-5} MB=${BENCH_MB:-256} IDLE=${BENCH_IDLE:-50}
for p in stunnel4 openssl; do command -v $p >/dev/null || { echo "tls.sh: $p missing" >&2; exit 111; }; done
[ -x "$BIN/posta-tlsd" ] || { echo "tls.sh: $BIN/posta-tlsd missing" >&2; exit 111; }
W=$(mktemp -d /tmp/posta-bench-tls.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$W"; }
: >"$W/extra.pids"   # long-lived helpers of a side (the posta-tlsd daemon), counted for PSS
[ -z "${TLS_SH_LIB:-}" ] && trap cleanup EXIT
mkdir -p "$W/tls"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=bench.test \
  -keyout "$W/tls/key.pem" -out "$W/tls/cert.pem" 2>/dev/null
chmod 600 "$W/tls/key.pem"
export POSTA_HOME=$W

. test/lib/ports.bash   # free_port (the working directory is the top of the tree)
wait_port() { local i; for i in $(seq 100); do (exec 9<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done; return 1; }

# start_posta PORT PROGRAM...: posta-tlsd -i per connection
start_posta() {
  local port=$1; shift
  if [ -x "$BIN/posta-tcpd" ]; then
    "$BIN/posta-tcpd" -c 500 127.0.0.1 "$port" "$BIN/posta-tlsd" -i -S '' -- "$@" 2>>"$W/posta.log" &
  else
    tcpserver -c 500 -R -H -l 0 127.0.0.1 "$port" "$BIN/posta-tlsd" -i -S '' -- "$@" 2>>"$W/posta.log" &
  fi
  PIDS+=($!); echo $! >"$W/launcher.pid"; wait_port "$port"
}
# start_posta_daemon PORT PROGRAM...: posta-tcpd -T with one long-lived posta-tlsd -D
start_posta_daemon() {
  local port=$1; shift
  rm -f "$W/tlsd.ready"
  (exec 3>"$W/tlsd.ready"; exec "$BIN/posta-tlsd" -D "$W/tlsd.sock" -S '' -d 3 2>>"$W/posta.log") &
  PIDS+=($!); echo $! >"$W/extra.pids"
  local i; for i in $(seq 100); do [ -s "$W/tlsd.ready" ] && break; sleep 0.05; done
  "$BIN/posta-tcpd" -c 500 -T "$W/tlsd.sock" -M implicit 127.0.0.1 "$port" "$@" 2>>"$W/posta.log" &
  PIDS+=($!); echo $! >"$W/launcher.pid"; wait_port "$port"
}
# start_stunnel PORT PROGRAM ARGV0 ARGS: stunnel's inetd-like exec mode, one child per connection
start_stunnel() {
  local port=$1 prog=$2; shift 2
  cat >"$W/stunnel.conf" <<EOC
foreground = yes
pid =
debug = 3
[bench]
accept = 127.0.0.1:$port
exec = $prog
execArgs = $*
cert = $W/tls/cert.pem
key = $W/tls/key.pem
sslVersionMin = TLSv1.2
options = NO_TICKET
EOC
  stunnel4 "$W/stunnel.conf" 2>>"$W/stunnel.log" &
  PIDS+=($!); echo $! >"$W/launcher.pid"; wait_port "$port"
}
stop_launcher() {
  local p
  for p in $(cat "$W/launcher.pid" "$W/extra.pids"); do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  : >"$W/extra.pids"
}

handshakes() {  # handshakes PORT -> handshakes per second (2 parallel clients)
  local i pids=()
  for i in 1 2; do
    openssl s_time -new -connect "127.0.0.1:$1" -time "$SECS" >"$W/stime.$i" 2>&1 &
    pids+=($!)
  done
  wait "${pids[@]}"
  awk '/connections in [0-9]+ real seconds/ {n += $1; t = ($4 > t ? $4 : t)} END {if (t > 0) printf "%.0f", n / t; else print 0}' "$W"/stime.*
}

bulk() {  # bulk PORT -> MB/s received
  $PY - "$1" "$MB" <<'PYEOF'
import socket, ssl, sys, time
port, mb = int(sys.argv[1]), int(sys.argv[2])
c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT); c.check_hostname = False; c.verify_mode = ssl.CERT_NONE
s = c.wrap_socket(socket.create_connection(("127.0.0.1", port)))
buf = bytearray(1 << 18); n = 0; t = time.time()
while True:
    k = s.recv_into(buf)
    if not k: break
    n += k
dt = time.time() - t
print("%.1f" % (n / dt / 1e6) if n == mb << 20 else "0")
PYEOF
}

pss_kb() {  # pss_kb PID...: summed Pss of these processes
  local p t=0 v
  for p in "$@"; do
    v=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null)
    t=$((t + ${v:-0}))
  done
  echo $t
}

idle_pss() {  # idle_pss PORT -> KB per idle connection (all processes below the launcher)
  local port=$1 launcher; launcher=$(cat "$W/launcher.pid")
  $PY - "$port" "$IDLE" "$W/idle.ready" <<'PYEOF' &
import socket, ssl, sys, time, os
port, n, ready = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT); c.check_hostname = False; c.verify_mode = ssl.CERT_NONE
conns = [c.wrap_socket(socket.create_connection(("127.0.0.1", port))) for _ in range(n)]
for s in conns: s.sendall(b"x\n"); s.recv(10)   # one round trip: the server side is up
open(ready, "w").close()
time.sleep(30)
PYEOF
  local client=$! i
  for i in $(seq 200); do [ -f "$W/idle.ready" ] && break; sleep 0.05; done
  sleep 0.5
  # the launcher, its helpers and every process below them (per-connection processes, or
  # none: threads), in one python (a pgrep per process took seconds on a loaded machine)
  local base; base=$(cat "$W/launcher.base")
  local total; total=$(PYTHONPATH=$PWD/test/bench/lib $PY -c 'import sys; from pss import pss_kb; print(pss_kb(sys.argv[1:]))' "$launcher" $(cat "$W/extra.pids"))
  kill $client 2>/dev/null; wait $client 2>/dev/null; rm -f "$W/idle.ready"
  echo $(( (total - base) / IDLE ))
}

start_side() {  # start_side posta|posta_daemon|stunnel PORT PROGRAM ARGS...
  local side=$1 port=$2; shift 2
  case $side in
    posta) start_posta "$port" "$@" ;;
    posta_daemon) start_posta_daemon "$port" "$@" ;;
    stunnel) local prog=$1; shift; start_stunnel "$port" "$prog" "$(basename "$prog")" "$@" ;;
  esac
  pss_kb "$(cat "$W/launcher.pid")" $(cat "$W/extra.pids") >"$W/launcher.base"
}

# peak_to_file: the peak RSS (VmHWM, KB) summed over the launcher, its helpers (the posta-tlsd
# daemon) and their children still running, into $W/peak for the workload's table row
peak_to_file() {
  local t=0 p q v
  for p in $(cat "$W/launcher.pid" "$W/extra.pids"); do
    for q in $p $(pgrep -P "$p"); do
      v=$(awk '/^VmHWM:/ {print $2}' "/proc/$q/status" 2>/dev/null)
      t=$((t + ${v:-0}))
    done
  done
  echo $t >"$W/peak"
}

side_handshakes() { local port; port=$(free_port); start_side "$1" "$port" /bin/cat; handshakes "$port"; peak_to_file; stop_launcher; }
side_idle_pss() { local port; port=$(free_port); start_side "$1" "$port" /bin/cat; idle_pss "$port"; peak_to_file; stop_launcher; }
side_bulk() {
  local port; port=$(free_port)
  start_side "$1" "$port" /usr/bin/head -c $((MB << 20)) /dev/zero
  bulk "$port"
  peak_to_file
  stop_launcher
}

run_side() {  # run_side posta|posta_daemon|stunnel
  local side=$1
  echo "tls_handshakes_$side $(side_handshakes "$side") handshakes/s"
  echo "tls_idle_pss_$side $(side_idle_pss "$side") KB/conn"
  echo "tls_bulk_$side $(side_bulk "$side") MB/s"
}

if [ -z "${TLS_SH_LIB:-}" ]; then
  run_side posta
  run_side posta_daemon
  run_side stunnel
fi
