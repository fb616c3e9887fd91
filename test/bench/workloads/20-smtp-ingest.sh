# smtp-source, 20 sessions, 5 KB messages, queued with fsync: posta-smtpd + posta-queue vs
# Postfix smtpd + cleanup (messages held, so neither side delivers during the run; posta's
# queue is emptied at teardown, as a shared instance must be left for the next workload).
# posta's content filter is off here, as Postfix has none: smtp-filter measures its cost.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/posta.sh"
. "$(dirname "$0")/../lib/postfix.sh"
N=$(scale 100 2000)
case $1 in
  check) [ -x "$POSTA_BIN/posta-smtpd" ] && [ -x "$POSTA_BIN/posta-queue" ] && command -v smtp-source ;;
  setup)
    posta_bench_setup || exit 1
    s6-svc -wD -d "$PH/service/send" 2>/dev/null
    filter_off
    PFPORT=$(free_port); echo "$PFPORT" >"$BENCH_WORK/pf.port"
    postfix_setup "$PFPORT" none && wait_port 127.0.0.1 "$PFPORT" ;;
  posta) r=$(smtp_ingest "$N" "$SMTP_PORT" "$PH/queue/mess") && echo "$r msg/s $(peak_kb $(listener_pids "$SMTP_PORT"))" ;;
  peer) r=$(smtp_ingest "$N" "$(cat "$BENCH_WORK/pf.port")" "$PF/spool/hold") && echo "$r msg/s $(peak_kb $(postfix_pids))" ;;
  teardown)
    postfix_stop
    filter_on
    # posta-send is down: every message is still committed (mess/ + todo/), nothing else
    [ -n "${PH:-}" ] && posta_empty_queue
    posta_bench_stop ;;
esac
