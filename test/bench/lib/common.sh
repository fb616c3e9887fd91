# Helpers for workload scripts. A workload script answers:
#   check | setup | posta | peer | teardown
# posta and peer print one line: "VALUE UNIT PEAK_KB" (peak resident memory of the server
# processes in KB, 0 when not measured).
: "${BENCH_WORK:?}"
PY=/usr/bin/python3
BENCH_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
scale() { if [ "${BENCH_SCALE:-full}" = small ]; then echo "$1"; else echo "$2"; fi; }

. "$BENCH_LIB/../../lib/ports.bash"   # free_port

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

# reset_peaks PID...: restarts the peak (VmHWM) of the processes and their children, so a
# later peak_kb sees only what came after (a long-lived server shared between workloads)
reset_peaks() {
  local p
  for p in $(ps -e -o pid=,ppid= | awk -v roots=" $* " 'index(roots, " " $1 " ") || index(roots, " " $2 " ") {print $1}'); do
    echo 5 >"/proc/$p/clear_refs"
  done 2>/dev/null
  true
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
  wait_gone 5 "$(cat "$f")"
  kill -9 "$(cat "$f")" 2>/dev/null
  rm -f "$f"
}
# alive PID: the process runs (a zombie does not: an orphan's zombie may wait a while for
# init to reap it, kill -0 would still succeed)
alive() { local s; s=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) && [ -n "$s" ] && [ "$s" != Z ]; }
# wait_gone SECONDS PID...: until none of the processes runs, at most SECONDS
wait_gone() {
  local secs=$1 p i=0; shift
  for p in "$@"; do
    while alive "$p" && [ $i -lt $((secs * 50)) ]; do sleep 0.02; i=$((i+1)); done
  done
}

# listener_pids PORT: the process listening on PORT (and, through peak_kb, its children)
listener_pids() { ss -ltnpH "sport = :$1" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u | tr '\n' ' '; }

# count_files DIR...: regular files below
count_files() { find "$@" -type f 2>/dev/null | wc -l; }

# wait_count TARGET SECONDS DIR...: until DIR... hold TARGET files; prints elapsed seconds
wait_count() {
  local target=$1 secs=$2; shift 2
  local t0 now
  t0=$(date +%s.%N)
  while [ "$(count_files "$@")" -lt "$target" ]; do
    now=$(date +%s.%N)
    if awk -v a="$now" -v b="$t0" -v s="$secs" 'BEGIN{exit !(a-b>s)}'; then echo "timeout" >&2; return 1; fi
    sleep 0.02
  done
}

# elapsed_since T0: seconds since T0 (from date +%s.%N)
elapsed_since() { awk -v a="$(date +%s.%N)" -v b="$1" 'BEGIN{printf "%.3f", a-b}'; }
# rate N T0: N per second since T0
rate() { awk -v n="$1" -v a="$(date +%s.%N)" -v b="$2" 'BEGIN{printf "%.1f", n/(a-b)}'; }
# smtp_ingest N PORT DIR: N messages of 5 KB in 20 sessions of smtp-source to PORT; prints
# the rate, or fails unless every one reached DIR (the queue)
smtp_ingest() {
  local t0 before r
  before=$(count_files "$3")
  t0=$(date +%s.%N)
  smtp-source -s 20 -l 5120 -m "$1" -f sender@bench.test -t user1@bench.test "127.0.0.1:$2" >&2 || return 1
  r=$(rate "$1" "$t0")
  [ "$(count_files "$3")" -ge $((before + $1)) ] || { echo "only $(($(count_files "$3") - before)) of $1 queued" >&2; return 1; }
  echo "$r"
}

# accounts_home HOME USERS FORMAT: a fresh instance directory without services, the instance
# owner's as posta-setup makes it (never root's), with domain bench.test and the users
# user<NN>@bench.test, NN numbered by the seq(1) FORMAT (%02g, %03g)
accounts_home() {
  local home=$1 users=$2 fmt=$3 i
  rm -rf "$home"
  mkdir -p "$home"
  [ "$(id -u)" = 0 ] && chown posta:posta "$home"
  "$POSTA_BIN/posta-domain" --home "$home" add bench.test >/dev/null 2>&1 || return 1
  for i in $(seq -f "$fmt" 1 "$users"); do
    "$POSTA_BIN/posta-user" --home "$home" add "user$i@bench.test" --no-password >/dev/null 2>&1 || return 1
  done
}
