# 1,000 messages of 4 KB injected into the queue and delivered into Maildir, end to end with
# fsync: posta-queue -> posta-send -> posta-local vs Postfix sendmail -> pickup -> cleanup ->
# qmgr -> virtual(8).
# Delivery marks the folder for the full-text indexer (the mailtasks service runs
# `posta-mail index --changed` at most every 2 s); the extra figure posta_index_cost is
# what those passes cost beside the same direct deliveries (see index_cost).
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
# index_cost N RATE: N direct deliveries into user4 while the changed-folder passes run as
# the mailtasks service runs them (nice 10, idle I/O class, every 2 s; the service itself
# stays down, its start pass would index every bench user). The cost is the time of the
# passes that indexed them against the time of delivering them (N at RATE); the latency is
# from the last delivery to the end of the pass that indexed it (up to the 2 s spacing).
index_cost() {
  local n=$1 r0=$2 t0 t1 i passes=$BENCH_WORK/index-passes loop marks=$PH/mail/.fts-changed
  : >"$passes"
  rm -f "$marks"/*  # direct_local's
  ( while :; do
      s=$(date +%s.%N)
      got=$(ionice -c 3 nice -n 10 "$POSTA_BIN/posta-mail" --home "$PH" index --changed 2>&1 | grep -o 'indexed [0-9]*' | cut -d' ' -f2)
      echo "$s $(date +%s.%N) ${got:-0}" >>"$passes"
      sleep 2
    done ) &
  loop=$!
  t0=$(date +%s.%N)
  for i in $(seq 1 "$n"); do
    "$POSTA_BIN/posta-local" sender@bench.test user4@bench.test <"$MSG" >/dev/null || { kill $loop; return 1; }
  done
  t1=$(date +%s.%N)
  # every mark taken, then a pass started after that: the passes before it have ended
  local empty
  for i in $(seq 1 600); do [ -z "$(ls -A "$marks" 2>/dev/null)" ] && break; sleep 0.1; done
  empty=$(date +%s.%N)
  for i in $(seq 1 600); do awk -v e="$empty" '$1 > e {f=1} END {exit !f}' "$passes" && break; sleep 0.1; done
  kill $loop 2>/dev/null; wait $loop 2>/dev/null
  local indexed; indexed=$(awk '{s+=$3} END {print s}' "$passes")
  [ "$indexed" = "$n" ] || { echo "index_cost: $indexed of $n indexed" >&2; return 1; }
  echo "figure: posta_index_cost $(awk -v n="$n" -v r="$r0" -v t1="$t1" -v f="$passes" 'BEGIN {
      while ((getline l < f) > 0) { split(l, a, " "); if (a[3] > 0) { busy += a[2] - a[1]; last = a[2] } }
      printf "indexing %d deliveries took %.2f s in %s, %.0f%% of delivering them (%.1f msg/s); the last was indexed %.1f s after its delivery",
        n, busy, "changed-folder passes", busy / (n / r) * 100, r, last - t1 }')" >&2
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
