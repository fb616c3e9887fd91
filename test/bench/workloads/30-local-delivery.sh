# 1,000 messages of 4 KB injected into the queue and delivered into Maildir, end to end with
# fsync: posta-queue -> posta-send -> posta-local vs Postfix sendmail -> pickup -> cleanup ->
# qmgr -> virtual(8).
# Delivery does not index mail for full-text search (INTERNALS.md "Full-text index"): the
# extra figure posta_index_cost is what indexing the direct deliveries afterwards costs
# (posta-mail index, the batch that IMAP sessions and the admin's schedule run), per
# message and as a share of a direct delivery.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/posta.sh"
. "$(dirname "$0")/../lib/postfix.sh"
N=$(scale 50 1000)
MSG=$BENCH_WORK/local-msg
make_msg() {
  { printf 'From: sender@bench.test\nTo: user2@bench.test\nSubject: bench\n\n'; head -c 3000 /dev/urandom | base64 -w 76; } >"$MSG"
}
# posta-local alone, straight into a Maildir (no queue): the per-delivery floor of the posta
# side, reported as an extra figure
direct_local() {
  local n t0 i dir=$PH/mail/bench.test/user3
  n=$(scale 20 200)
  t0=$(date +%s.%N)
  for i in $(seq 1 "$n"); do
    "$POSTA_BIN/posta-local" sender@bench.test user3@bench.test <"$MSG" >/dev/null || return 1
  done
  local r; r=$(rate "$n" "$t0")
  echo "figure: posta_local_direct $r msg/s" >&2
  [ "$(count_files "$dir/new")" -ge "$n" ] || return 1
  index_cost "$n" "$r"
}
# index_cost N RATE: one posta-mail index pass over user3's N new messages
index_cost() {
  local t0 s
  t0=$(date +%s.%N)
  "$POSTA_BIN/posta-mail" --home "$PH" index --user user3@bench.test >/dev/null 2>&1 || return 1
  s=$(echo "$(date +%s.%N) - $t0" | bc -l)
  echo "figure: posta_index_cost $(printf '%.2f ms a message, %.0f%% of a direct delivery' \
    "$(echo "$s * 1000 / $1" | bc -l)" "$(echo "$s / $1 * $2 * 100" | bc -l)")" >&2
}
run_posta() {
  local dir=$PH/mail/bench.test/user2 before t0 i
  before=$(count_files "$dir/new" "$dir/cur")
  t0=$(date +%s.%N)
  printf 'Fsender@bench.test\0Tuser2@bench.test\0\0' >"$BENCH_WORK/env"
  for i in $(seq 1 "$N"); do
    "$POSTA_BIN/posta-queue" <"$MSG" 1<"$BENCH_WORK/env" || return 1
  done
  wait_count $((before + N)) 300 "$dir/new" "$dir/cur" || return 1
  rate "$N" "$t0"
}
run_postfix() {
  local dir=$PF/mail/user2 before t0 i
  before=$(count_files "$dir/new" "$dir/cur")
  t0=$(date +%s.%N)
  for i in $(seq 1 "$N"); do
    /usr/sbin/sendmail -C "$PF/etc" -f sender@bench.test user2@bench.test <"$MSG"
  done
  wait_count $((before + N)) 300 "$dir/new" "$dir/cur" || return 1
  rate "$N" "$t0"
}
case $1 in
  check) [ -x "$POSTA_BIN/posta-queue" ] && [ -x "$POSTA_BIN/posta-local" ] && [ -x "$POSTA_BIN/posta-send" ] && command -v postfix ;;
  setup)
    make_msg
    posta_bench_setup || exit 1
    direct_local || exit 1
    echo 20 >"$PH/control/concurrencylocal"   # as Postfix's virtual_destination_concurrency_limit
    s6-svc -u "$PH/service/send" 2>/dev/null
    s6-svc -h "$PH/service/send" 2>/dev/null
    postfix_setup "$(free_port)" maildir ;;
  posta) r=$(run_posta) && echo "$r msg/s $(peak_kb "$(s6-svstat -o pid "$PH/service/send")")" ;;
  peer) r=$(run_postfix) && echo "$r msg/s $(peak_kb $(postfix_pids))" ;;
  teardown) postfix_stop; posta_bench_stop ;;
esac
