# A local DNS for the suites: dnsmasq on loopback, authoritative for .test (and the reverse
# zones) from its arguments, with no upstream and no /etc/hosts, so nothing a suite does
# reaches the system resolver. Suites set T (their temporary directory) and DNS_PORT (a
# free port, ports.bash); the dnsmasq pid goes to $T/pids for the suite's teardown.

# start_dns ARGS...: dnsmasq on 127.0.0.1:$DNS_PORT answering from ARGS (--mx-host=...,
# --host-record=..., --txt-record=..., --ptr-record=..., --conf-file=...); names under .test
# and the reverse zones it has no data for are NXDOMAIN, anything else REFUSED; waits until
# it runs
start_dns() {
  /usr/sbin/dnsmasq --keep-in-foreground --no-resolv --no-hosts --port "$DNS_PORT" \
    --listen-address 127.0.0.1 --bind-interfaces --local=/test/ --local=/in-addr.arpa/ \
    --local=/ip6.arpa/ --pid-file="$T/dnsmasq.pid" "$@" --log-facility="$T/dnsmasq.log" &
  echo $! >>"$T/pids"
  wait_for 10 test -s "$T/dnsmasq.pid"
}
