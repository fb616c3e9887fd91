# posta-auth: the cost of one successful check apart from the deliberate hash, with the user
# in a 100,000-user database (posta column) and in a 1-user database (peer column), same
# yescrypt hash: the difference is what the lookup in a big database costs. Both sides go
# through a resident posta-authd, started for the side and stopped after it. The figure is
# measured inside posta-auth (POSTA_AUTH_TIMING: from reading fd 3 to just before the exec,
# minus the hash time posta-authd reports); the whole process, the hash, and the same check
# without the daemon (posta-auth's direct fallback, 100,000 users) are extra figures, and
# so is the floor: a bare unix-socket round trip between two processes with the server busy
# for as long as the hash took (lib/ipc_floor.cc), what this machine charges for the
# system calls and wake-ups of a check with none of posta's work. The CPU time a check
# costs apart from the hash is an extra figure too: posta-auth's in its window plus what
# posta-authd's checker threads spent per check outside crypt(3) (logged at its stop
# with POSTA_AUTHD_TIMING).
# Setup builds the 100,000-user database with posta-user import and times it, and times a
# 10,000-user import with Maildirs (extra figures; 2,000 and 50 with BENCH_SCALE=small).
. "$(dirname "$0")/../lib/common.sh"
N=$(scale 5 21)            # checks per side and round
USERS=$(scale 2000 100000)
WITH_MAILDIRS=$(scale 50 10000)  # users of the timed import that creates Maildirs
BIG=$BENCH_WORK/auth-big SMALL=$BENCH_WORK/auth-small
# tsv COUNT PREFIX HASH: posta-user import lines
tsv() { seq -f "$2%06g" 1 "$1" | awk -v h="$3" '{printf "%s@bench.test\t%s\t1\t0\t0\t\t\t0\t0\t0\n", $1, h}'; }
# new_home DIR: a home with domain bench.test and bench@bench.test (password "bench-pw")
new_home() {
  mkdir -p "$1"
  [ "$(id -u)" = 0 ] && chown posta:posta "$1"   # as posta-setup does: never a root-owned home
  "$POSTA_BIN/posta-domain" --home "$1" add bench.test >/dev/null 2>&1 &&
    echo bench-pw | "$POSTA_BIN/posta-user" --home "$1" add bench@bench.test --password-stdin >/dev/null 2>&1
}
# timed_import HOME ARGS... < TSV: prints the seconds
timed_import() {
  local home=$1 t0; shift
  t0=$(date +%s.%N)
  "$POSTA_BIN/posta-user" --home "$home" import "$@" >/dev/null || return 1
  elapsed_since "$t0"
}
setup() {
  rm -rf "$BIG" "$SMALL" "$BENCH_WORK/auth-10k"
  g++ -O2 -std=c++2b -pthread "$BENCH_LIB/ipc_floor.cc" -o "$BENCH_WORK/ipc_floor" || return 1
  new_home "$SMALL" && new_home "$BIG" && new_home "$BENCH_WORK/auth-10k" || return 1
  local hash s
  hash=$("$POSTA_BIN/posta-user" --home "$BIG" export | awk -F'\t' '$1 == "bench@bench.test" {print $2}')
  [ -n "$hash" ] || return 1
  tsv $((USERS / 2)) a "$hash" >"$BENCH_WORK/auth-a.tsv"
  tsv $((USERS / 2 - 1)) z "$hash" >"$BENCH_WORK/auth-z.tsv"
  # the user checked sits in the middle of the key space, the users before and after it
  s=$(cat "$BENCH_WORK/auth-a.tsv" "$BENCH_WORK/auth-z.tsv" | timed_import "$BIG" --no-maildir --batch 1000) || return 1
  echo "figure: import_${USERS}_users_no_maildir $s s" >&2
  [ "$("$POSTA_BIN/posta-user" --home "$BIG" list | wc -l)" -ge "$USERS" ] || { echo "import incomplete" >&2; return 1; }
  s=$(tsv "$WITH_MAILDIRS" m "$hash" | timed_import "$BENCH_WORK/auth-10k") || return 1
  echo "figure: import_${WITH_MAILDIRS}_users_with_maildirs $s s" >&2
  rm -rf "$BENCH_WORK/auth-10k" "$BENCH_WORK"/auth-?.tsv
}
# authd_start HOME / authd_stop HOME: a posta-authd for HOME (socket HOME/run/authd.sock)
authd_start() {
  rm -f "$1/authd.ready"
  (POSTA_HOME=$1 POSTA_AUTHD_TIMING=1 exec "$POSTA_BIN/posta-authd" -D "$1/run/authd.sock" -d 3 3>"$1/authd.ready" </dev/null >"$1/authd.log" 2>&1) &
  echo $! >"$1/authd.pid"
  local i=0
  until [ -s "$1/authd.ready" ]; do
    i=$((i+1)); [ $i -lt 400 ] && alive "$(cat "$1/authd.pid")" || { cat "$1/authd.log" >&2; return 1; }
    sleep 0.05
  done
}
authd_stop() {
  [ -f "$1/authd.pid" ] || return 0
  local pid; pid=$(cat "$1/authd.pid")
  kill "$pid" 2>/dev/null
  wait_gone 5 "$pid"
  kill -9 "$pid" 2>/dev/null
  rm -f "$1/authd.pid"
}
# checks HOME PATH: N successful checks that must take PATH (daemon|direct); prints
# "overhead_us hash_us wall_s after_us cpu_us" medians (after: the overhead from the moment
# posta-auth has read the credentials, i.e. without waiting for its caller to write them;
# cpu: posta-auth's own CPU time in its timed window)
checks() {
  local i t0 log=$BENCH_WORK/auth.log
  : >"$BENCH_WORK/auth.t"
  : >"$BENCH_WORK/auth.rss"
  for i in $(seq 1 "$N"); do
    t0=$(date +%s.%N)
    printf 'bench@bench.test\0bench-pw\0\0' |
      POSTA_HOME=$1 POSTA_AUTH_TIMING=1 "$POSTA_BIN/posta-auth" /bin/true 3<&0 2>"$log" || { cat "$log" >&2; return 1; }
    sed -n "s/.*timing: path=$2 .*hash_us=\([0-9]*\).*overhead_us=\([0-9-]*\) read_us=\([0-9]*\) cpu_us=\([0-9]*\).*/\2 \1 $(elapsed_since "$t0") \3 \4/p" "$log" |
      awk '{print $1, $2, $3, $1 - $4, $5}' >>"$BENCH_WORK/auth.t"
    sed -n 's/.*timing:.* maxrss_kb=\([0-9]*\).*/\1/p' "$log" >>"$BENCH_WORK/auth.rss"
  done
  [ "$(wc -l <"$BENCH_WORK/auth.t")" = "$N" ] || { echo "not every check took the $2 path:" >&2; cat "$log" >&2; return 1; }
  local c m; for c in 1 2 3 4 5; do
    m=$(awk -v c=$c '{print $c}' "$BENCH_WORK/auth.t" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    printf '%s ' "$m"
  done
}
# task_cpu_ns PID: CPU time of all the threads of PID (they live as long as the daemon)
task_cpu_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {if (NR) print s}'; }
# side HOME [fallback]: through the daemon; with fallback also the direct check, daemon down
side() {
  local r daemon_kb pid cpu0 cpu1
  authd_start "$1" || return 1
  pid=$(cat "$1/authd.pid")
  # CPU time of all the daemon's threads per check, hash included, whatever the load of the
  # machine
  cpu0=$(task_cpu_ns "$pid")
  r=$(checks "$1" daemon) || { authd_stop "$1"; return 1; }
  cpu1=$(task_cpu_ns "$pid")
  daemon_kb=$(awk '/VmHWM/{print $2}' "/proc/$pid/status" 2>/dev/null)
  authd_stop "$1"
  set -- "$1" "${2:-}" $r
  [ -n "$cpu0" ] && [ -n "$cpu1" ] &&
    awk -v a="$cpu0" -v b="$cpu1" -v n="$N" 'BEGIN {printf "figure: authd_cpu_per_check %d us\n", (b - a) / n / 1000}' >&2
  echo "figure: auth_hash $4 us" >&2
  echo "figure: auth_minus_hash_after_credentials $6 us" >&2
  awk -v w="$5" -v h="$4" 'BEGIN {printf "figure: auth_process_minus_hash %.2f ms\n", w * 1000 - h / 1000}' >&2
  echo "figure: authd_peak_kb ${daemon_kb:-0} KB" >&2
  # CPU apart from the hash: posta-auth's (median) plus posta-authd's checker threads'
  # (mean, from the line it logs at stop)
  local dcpu; dcpu=$(sed -n 's/.*checks: .* cpu_apart_from_hash_per_check_us=\([0-9]*\).*/\1/p' "$1/authd.log" | tail -1)
  echo "figure: auth_client_cpu $7 us" >&2
  [ -n "$dcpu" ] && echo "figure: authd_cpu_apart_from_hash $dcpu us" >&2 &&
    echo "figure: auth_cpu_apart_from_hash $(($7 + dcpu)) us" >&2
  local peak; peak=$(sort -n "$BENCH_WORK/auth.rss" | tail -1)
  if [ "$2" = fallback ]; then
    local floor; floor=$("$BENCH_WORK/ipc_floor" "$BENCH_WORK/floor.sock" "$4" "$N") || return 1
    echo "figure: auth_ipc_floor $floor us" >&2
    local f; f=$(checks "$1" direct) || return 1
    set -- $f
    echo "figure: auth_fallback_minus_hash $1 us" >&2
    awk -v w="$3" -v h="$2" 'BEGIN {printf "figure: auth_fallback_process_minus_hash %.2f ms\n", w * 1000 - h / 1000}' >&2
    set -- "" "" $r
  fi
  echo "$3 us $((peak + ${daemon_kb:-0}))"  # peak: posta-auth's largest RSS plus posta-authd's
}
case $1 in
  check) [ -x "$POSTA_BIN/posta-auth" ] && [ -x "$POSTA_BIN/posta-authd" ] && [ -x "$POSTA_BIN/posta-user" ] ;;
  setup) setup ;;
  posta) side "$BIG" fallback ;;
  peer) side "$SMALL" ;;
  teardown) authd_stop "$BIG"; authd_stop "$SMALL"; rm -rf "$BIG" "$SMALL" "$BENCH_WORK/auth-10k" ;;
esac
