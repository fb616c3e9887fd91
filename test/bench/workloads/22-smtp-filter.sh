# The cost of the content filter: the smtp-ingest load (smtp-source, 20 sessions, 5 KB
# messages, queued with fsync) through posta-spamcheck (rules, classifier, attachment
# policy; no clamd) as posta-setup configures it, against the same instance handing
# messages to the queue itself. The "peer" column is posta without the filter.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/posta.sh"
N=$(scale 100 2000)
case $1 in
  check) [ -x "$POSTA_BIN/posta-smtpd" ] && [ -x "$POSTA_BIN/posta-spamcheck" ] && command -v smtp-source ;;
  setup) posta_bench_setup || exit 1; s6-svc -wD -d "$PH/service/send" 2>/dev/null ;;
  posta) filter_on; r=$(smtp_ingest "$N" "$SMTP_PORT" "$PH/queue/mess"); posta_empty_queue
    [ -n "$r" ] && echo "$r msg/s $(peak_kb $(listener_pids "$SMTP_PORT"))" ;;
  peer) filter_off; r=$(smtp_ingest "$N" "$SMTP_PORT" "$PH/queue/mess"); filter_on; posta_empty_queue
    [ -n "$r" ] && echo "$r msg/s $(peak_kb $(listener_pids "$SMTP_PORT"))" ;;
  teardown) [ -n "${PH:-}" ] && { filter_on; posta_empty_queue; }; posta_bench_stop ;;
esac
