# Helpers for workload scripts. A workload script answers:
#   check | setup | posta | peer | teardown
# posta and peer print one line: "VALUE UNIT PEAK_KB" (peak resident memory of the server
# processes in KB, 0 when not measured).
: "${BENCH_WORK:?}"
PY=/usr/bin/python3
BENCH_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
scale() { if [ "${BENCH_SCALE:-full}" = small ]; then echo "$1"; else echo "$2"; fi; }

free_port() {
  $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_port() {
  local i=0
  while [ $i -lt 400 ]; do
    (exec 9<>"/dev/tcp/$1/$2") 2>/dev/null && return 0
    sleep 0.05; i=$((i+1))
  done
  return 1
}

# peak_kb PID...: the sum of VmHWM of the processes and their children
peak_kb() {
  local total=0 p kids
  for p in "$@"; do
    kids=$(pgrep -P "$p" 2>/dev/null)
    for q in $p $kids; do
      v=$(awk '/VmHWM/{print $2}' /proc/$q/status 2>/dev/null)
      total=$((total + ${v:-0}))
    done
  done
  echo $total
}

# start_bg NAME CMD...: starts a server in the background, pid in $BENCH_WORK/NAME.pid
start_bg() {
  local name=$1; shift
  "$@" </dev/null >"$BENCH_WORK/$name.log" 2>&1 &
  echo $! >"$BENCH_WORK/$name.pid"
}
stop_bg() {
  local f=$BENCH_WORK/$1.pid
  [ -f "$f" ] || return 0
  kill "$(cat "$f")" 2>/dev/null
  local i=0
  while kill -0 "$(cat "$f")" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done
  kill -9 "$(cat "$f")" 2>/dev/null
  rm -f "$f"
}
