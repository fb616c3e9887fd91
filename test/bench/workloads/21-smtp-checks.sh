# The cost of the sender checks (issue 20): the smtp-ingest load (smtp-source, 20 sessions,
# 5 KB messages, queued with fsync, through posta-spamcheck) with SPF at MAIL FROM, a DNSBL
# zone, and DMARC with Authentication-Results in the filter, all answered by a dnsmasq on
# loopback (its cache: every answer after the first is local), against the same instance
# with its client trusted (control/trustednets), which skips them. The "peer" column is
# posta without the checks; the target is a ratio above 0.8.
# Postfix with policyd-spf, OpenDKIM and OpenDMARC is not the peer: Debian 12 packages all
# three, but each is a milter or policy service with its own resolver that asks the system
# resolver, which a benchmark here may not query.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/posta.sh"
N=$(scale 100 2000)
# checks on|off: the loopback client checked, or trusted
checks() {
  if [ "$1" = on ]; then
    rm -f "$PH/control/trustednets"
    echo "bl.bench.test" >"$PH/control/dnsbl"
  else
    printf '127.0.0.0/8\n::1\n' >"$PH/control/trustednets"
    rm -f "$PH/control/dnsbl"
  fi
}
case $1 in
  check) [ -x "$POSTA_BIN/posta-smtpd" ] && [ -x "$POSTA_BIN/posta-spamcheck" ] && command -v smtp-source &&
    [ -x /usr/sbin/dnsmasq ] ;;
  setup)
    posta_bench_setup || exit 1
    s6-svc -wD -d "$PH/service/send" 2>/dev/null
    port=$(free_port)
    start_bg checks-dns /usr/sbin/dnsmasq --keep-in-foreground --no-resolv --no-hosts --port "$port" \
      --listen-address 127.0.0.1 --bind-interfaces --local=/bench.test/ --local=/in-addr.arpa/ \
      --txt-record=bench.test,"v=spf1 ip4:127.0.0.1 -all" \
      --txt-record=_dmarc.bench.test,"v=DMARC1; p=reject"
    wait_port 127.0.0.1 "$port" || exit 1
    cp -p "$PH/control/resolvers" "$BENCH_WORK/checks.resolvers" 2>/dev/null
    echo "127.0.0.1:$port" >"$PH/control/resolvers" ;;
  posta) checks on; r=$(smtp_ingest "$N" "$SMTP_PORT" "$PH/queue/mess"); checks off; posta_empty_queue
    [ -n "$r" ] && echo "$r msg/s $(peak_kb $(listener_pids "$SMTP_PORT"))" ;;
  peer) checks off; r=$(smtp_ingest "$N" "$SMTP_PORT" "$PH/queue/mess"); posta_empty_queue; [ -n "$r" ] && echo "$r msg/s $(peak_kb $(listener_pids "$SMTP_PORT"))" ;;
  teardown)
    if [ -n "${PH:-}" ]; then
      checks off; posta_empty_queue
      if [ -f "$BENCH_WORK/checks.resolvers" ]; then cp -p "$BENCH_WORK/checks.resolvers" "$PH/control/resolvers"
      else rm -f "$PH/control/resolvers"; fi
    fi
    stop_bg checks-dns
    posta_bench_stop ;;
esac
