# The TLS workloads (workloads/6x-tls-*.sh): posta-tcpd -T + one long-lived posta-tlsd -D +
# /bin/cat (the instance's shape) vs stunnel4 in exec mode (one process, a forked program per
# connection), same certificate; the measures are tls.sh's.
# tls_workload ACTION MEASURE UNIT: answers ACTION (check | setup | posta | peer | teardown)
# for MEASURE, a side_* function of tls.sh, printing "VALUE UNIT PEAK_KB".
tls_workload() {
  case $1 in
    check) [ -x "$POSTA_BIN/posta-tlsd" ] && [ -x "$POSTA_BIN/posta-tcpd" ] && command -v stunnel4 >/dev/null ;;
    setup|teardown) true ;;
    posta|peer)
      if [ "${BENCH_SCALE:-full}" = small ]; then export BENCH_SECS=2 BENCH_MB=32 BENCH_IDLE=20; fi
      TLS_SH_LIB=1 . "$(dirname "${BASH_SOURCE[0]}")/../tls.sh"
      trap cleanup EXIT
      local side r
      side=$([ "$1" = posta ] && echo posta_daemon || echo stunnel)
      r=$("$2" "$side") && echo "$r $3 $(cat "$W/peak")" ;;
  esac
}
