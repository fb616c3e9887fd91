# The cost of the content filter: the smtp-ingest load (smtp-source, 20 sessions, 5 KB
# messages, queued with fsync) through posta-spamcheck (rules, classifier, attachment
# policy; no clamd) as posta-setup configures it, against the same instance handing
# messages to the queue itself. The "peer" column is posta without the filter.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/posta.sh"
N=$(scale 100 2000)
ingest() {
  local t0 before r
  before=$(count_files "$PH/queue/mess")
  t0=$(date +%s.%N)
  smtp-source -s 20 -l 5120 -m "$N" -f sender@bench.test -t user1@bench.test "127.0.0.1:$SMTP_PORT" >&2 || return 1
  r=$(rate "$N" "$t0")
  [ "$(count_files "$PH/queue/mess")" -ge $((before + N)) ] ||
    { echo "only $(($(count_files "$PH/queue/mess") - before)) of $N queued" >&2; return 1; }
  echo "$r"
}
empty_queue() { find "$PH/queue/mess" "$PH/queue/todo" "$PH/queue/intd" -type f -delete 2>/dev/null; true; }
case $1 in
  check) [ -x "$POSTA_BIN/posta-smtpd" ] && [ -x "$POSTA_BIN/posta-spamcheck" ] && command -v smtp-source ;;
  setup) posta_bench_setup || exit 1; s6-svc -wD -d "$PH/service/send" 2>/dev/null ;;
  posta) filter_on; r=$(ingest); empty_queue; [ -n "$r" ] && echo "$r msg/s $(peak_kb $(listener_pids "$SMTP_PORT"))" ;;
  peer) filter_off; r=$(ingest); filter_on; empty_queue
    [ -n "$r" ] && echo "$r msg/s $(peak_kb $(listener_pids "$SMTP_PORT"))" ;;
  teardown) [ -n "${PH:-}" ] && { filter_on; empty_queue; }; posta_bench_stop ;;
esac
