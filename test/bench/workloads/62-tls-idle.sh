# PSS in KB per idle TLS connection (every process serving it; lower is better):
# posta-tcpd -T + one long-lived posta-tlsd -D + /bin/cat (the instance's shape) vs stunnel4 in
# exec mode (one process, a forked program per connection), same certificate. See tls.sh.
case $1 in
  check) [ -x "$POSTA_BIN/posta-tlsd" ] && [ -x "$POSTA_BIN/posta-tcpd" ] && command -v stunnel4 >/dev/null ;;
  setup|teardown) true ;;
  posta|peer)
    if [ "${BENCH_SCALE:-full}" = small ]; then export BENCH_SECS=2 BENCH_MB=32 BENCH_IDLE=20; fi
    TLS_SH_LIB=1 . "$(dirname "$0")/../tls.sh"
    trap cleanup EXIT
    side=$([ "$1" = posta ] && echo posta_daemon || echo stunnel)
    r=$(side_idle_pss "$side") && echo "$r KB/conn $(cat "$W/peak")" ;;
esac
