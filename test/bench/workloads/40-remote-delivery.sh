# 1,000 messages to 50 domains delivered to Postfix's smtp-sink listening on 5 loopback
# addresses: posta-send -> posta-rspawn -> posta-remote vs Postfix qmgr -> smtp(8), counted
# from the moment delivery is let go on a queue already holding the messages. Domains are
# routed to the sinks by control/smtproutes (posta) and the transport map (Postfix): no DNS
# at all (posta's control/resolvers names a dead loopback port, so a lookup would fail).
# Same limits both sides: 50 deliveries at a time, 10 per sink address.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/posta.sh"
. "$(dirname "$0")/../lib/postfix.sh"
N=$(scale 50 1000)
DOMAINS=50 SINKS=5
MSG=$BENCH_WORK/remote-msg
sink_ip() { echo "127.0.0.$((21 + $1 % SINKS))"; }   # sink address of domain number $1
# (routes computes it inline: a subshell per line took a second on a loaded machine)
start_sinks() {
  local port=$1 k
  for k in $(seq 0 $((SINKS - 1))); do
    start_bg "sink$k" smtp-sink $([ "$(id -u)" = 0 ] && echo -u nobody) "$(sink_ip "$k"):$port" 256
  done
  for k in $(seq 0 $((SINKS - 1))); do wait_port "$(sink_ip "$k")" "$port" || return 1; done
}
# routes PORT FORMAT: one line per domain (printf FORMAT domain ip port)
routes() { local i; for i in $(seq 1 $DOMAINS); do printf "$2" "d$i.bench" "127.0.0.$((21 + i % SINKS))" "$1"; done; }
# message i goes to u<i>@d<i % 50 + 1>.bench (set inline in the loops: no subshell each)
setup() {
  { printf 'From: sender@bench.test\nTo: someone@d1.bench\nSubject: bench\n\n'; head -c 3000 /dev/urandom | base64 -w 76; } >"$MSG"
  local port; port=$(free_port); echo "$port" >"$BENCH_WORK/sink.port"
  start_sinks "$port" || return 1
  posta_bench_setup || return 1
  routes "$port" '%s:[%s]:%s\n' >"$PH/control/smtproutes"
  echo 127.0.0.1:9 >"$PH/control/resolvers"
  echo 50 >"$PH/control/concurrencyremote"; echo 10 >"$PH/control/concurrencyperhost"
  s6-svc -u "$PH/service/send" 2>/dev/null
  s6-svc -h "$PH/service/send" 2>/dev/null   # HUP: reread control files
  postfix_config "$(free_port)" relay || return 1
  routes "$port" '%s smtp:[%s]:%s\n' >"$PF/etc/transport"
  postconf -c "$PF/etc" -e default_destination_concurrency_limit=50 smtp_destination_concurrency_limit=10 \
    defer_transports=smtp
  postfix_start
}
delivered_posta() { grep -c 'agent=remote status=delivered' "$PH"/log/send/* 2>/dev/null | awk -F: '{s += $NF} END {print s + 0}'; }
delivered_postfix() { cat "$PF/data/maillog" 2>/dev/null | grep -c ' status=sent '; }
# wait_delivered COUNTFN TARGET: until COUNTFN says TARGET, at most 300 s
wait_delivered() {
  local i=0
  while [ "$($1)" -lt "$2" ]; do
    i=$((i + 1)); [ $i -gt 15000 ] && { echo "timeout: $($1) of $2 delivered" >&2; return 1; }
    sleep 0.02
  done
}
# Deliveries/s: the messages are injected while delivery is stopped (posta-send down;
# Postfix with defer_transports = smtp, as set up), then delivery starts and the clock runs
# until the logs show every message delivered ("status=delivered" / "status=sent").
run_posta() {
  local before t0 i
  before=$(delivered_posta)
  s6-svc -wD -d "$PH/service/send" || return 1
  for i in $(seq 1 "$N"); do
    printf 'Fsender@bench.test\0Tu%s@d%s.bench\0\0' "$i" $((i % DOMAINS + 1)) >"$BENCH_WORK/remote-env"
    "$POSTA_BIN/posta-queue" <"$MSG" 1<"$BENCH_WORK/remote-env" || return 1
  done
  t0=$(date +%s.%N)
  s6-svc -u "$PH/service/send"
  wait_delivered delivered_posta $((before + N)) || return 1
  rate "$N" "$t0"
}
postfix_queued() { find "$PF/spool/maildrop" "$PF/spool/incoming" -type f | wc -l; }
run_postfix() {
  local before t0 i
  before=$(delivered_postfix)
  if [ "$(postconf -c "$PF/etc" -h defer_transports)" != smtp ]; then   # set up so in round 1
    postconf -c "$PF/etc" -e defer_transports=smtp && postfix -c "$PF/etc" reload >/dev/null 2>&1 || return 1
  fi
  for i in $(seq 1 "$N"); do
    /usr/sbin/sendmail -C "$PF/etc" -f sender@bench.test "u$i@d$((i % DOMAINS + 1)).bench" <"$MSG" || return 1
  done
  i=0; while [ "$(postfix_queued)" -gt 0 ]; do i=$((i + 1)); [ $i -gt 3000 ] && return 1; sleep 0.02; done
  t0=$(date +%s.%N)
  postconf -c "$PF/etc" -e defer_transports= && postfix -c "$PF/etc" reload >/dev/null 2>&1 &&
    postqueue -c "$PF/etc" -f || return 1
  wait_delivered delivered_postfix $((before + N)) || return 1
  rate "$N" "$t0"
}
case $1 in
  check) [ -x "$POSTA_BIN/posta-remote" ] && [ -x "$POSTA_BIN/posta-queue" ] && command -v smtp-sink && command -v postfix ;;
  setup) setup ;;
  posta) r=$(run_posta) && echo "$r msg/s $(peak_kb "$(s6-svstat -o pid "$PH/service/send")")" ;;
  peer) r=$(run_postfix) && echo "$r msg/s $(peak_kb $(postfix_pids))" ;;
  teardown) postfix_stop; posta_bench_stop; for k in $(seq 0 $((SINKS - 1))); do stop_bg "sink$k"; done ;;
esac
