# Full TLS 1.3 handshakes per second (2 parallel openssl s_time -new):
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
    r=$(side_handshakes "$side") && echo "$r handshakes/s $(cat "$W/peak")" ;;
esac
