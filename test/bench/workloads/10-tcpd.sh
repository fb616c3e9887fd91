# Connections per second through the launcher to a trivial program: posta-tcpd vs tcpserver.
. "$(dirname "$0")/../lib/common.sh"
N=$(scale 200 3000)
run_side() {
  local name=$1; shift
  local port; port=$(free_port)
  start_bg "$name" "$@" 127.0.0.1 "$port" /bin/echo ok
  wait_port 127.0.0.1 "$port" || { echo "no listener" >&2; return 1; }
  local rate; rate=$($PY "$BENCH_LIB/connect.py" 127.0.0.1 "$port" "$N" 4) || return 1
  local mem; mem=$(peak_kb "$(cat "$BENCH_WORK/$name.pid")")
  stop_bg "$name"
  echo "$rate conn/s $mem"
}
case $1 in
  check) [ -x "$POSTA_BIN/posta-tcpd" ] && command -v tcpserver ;;
  setup|teardown) stop_bg tcpd-posta; stop_bg tcpd-peer; true ;;
  posta) run_side tcpd-posta "$POSTA_BIN/posta-tcpd" -c 100 ;;
  peer) run_side tcpd-peer tcpserver -c 100 -R -H -l 0 ;;
esac
