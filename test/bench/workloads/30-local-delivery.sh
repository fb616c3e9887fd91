# 1,000 messages of 4 KB injected into the queue and delivered into Maildir, end to end with
# fsync: posta-queue -> posta-send -> posta-local vs Postfix sendmail -> pickup -> cleanup ->
# qmgr -> virtual(8).
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/posta.sh"
. "$(dirname "$0")/../lib/postfix.sh"
N=$(scale 200 1000)
MSG=$BENCH_WORK/local-msg
make_msg() {
  { printf 'From: sender@bench.test\nTo: user2@bench.test\nSubject: bench\n\n'; head -c 3000 /dev/urandom | base64 -w 76; } >"$MSG"
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
    s6-svc -u "$PH/service/send" 2>/dev/null
    postfix_setup "$(free_port)" maildir ;;
  posta) r=$(run_posta) && echo "$r msg/s $(peak_kb $(pgrep -f posta-start | head -1))" ;;
  peer) r=$(run_postfix) && echo "$r msg/s $(peak_kb $(postfix_pids))" ;;
  teardown) postfix_stop; posta_bench_stop ;;
esac
