# The spam-filter workloads (95-spam-sa: posta against SpamAssassin, 96-spam-rspamd: against
# rspamd): SPAM_PEER=sa|rspamd, then `. spam_workload.sh; spam_workload "$1"`.
# Corpus, split and cleaning: lib/spam_corpus.sh and lib/spam_eval.py. Each filter learns the
# training split, then setup evaluates every evaluation message once through the filter
# (accuracy figures, with the issue's targets beside them, and the throughput of that pass);
# the rounds measure the throughput on a fixed sample of the evaluation messages, the same
# for every filter, $CLIENTS messages at a time: messages in, verdicts out, through the whole
# filter as a mail server uses it. posta-spamcheck runs as posta-smtpd uses it: its resident
# form (posta-spamcheck serve, the instance's spamcheck service) gets each message's four
# descriptors over run/spamcheck.sock and checks it in a forked child, which passes it on to
# posta-queued; setup also gives the figure of the per-message process (message on fd 0,
# envelope on fd 1), what posta-smtpd runs while the service is down. The peers get a connection per message to their daemon, as a milter
# or content filter gives them (spamd: the SPAMC protocol, what spamc sends; rspamd: HTTP
# /checkv2, what rspamc sends), so no client process start is charged to them. Through
# their clients (spamc, rspamc: a process per message, as from procmail) they are slower;
# setup gives that figure too.
# Peak memory: the filter's processes (spamd and its children; rspamd, its workers and its
# redis; posta: posta-spamcheck serve and its workers).
# Without build/bin/posta-spamcheck the posta side prints "skipped posta-spamcheck not
# built" and the peers run alone.
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
. "$BENCH_LIB/posta.sh"
. "$BENCH_LIB/spam_corpus.sh"
. "$BENCH_LIB/spamassassin.sh"
. "$BENCH_LIB/rspamd.sh"
SW=$BENCH_WORK/spam-$SPAM_PEER            # this workload's state
RESULTS=$BENCH_WORK/spam-results          # verdicts of every filter, kept for the next workload
C=$SPAM_SPLIT_DIR                         # the corpus, split (read only)
JOBS=$(nproc)                                  # the peers' worker processes
# messages in flight at once, for every filter: a mail server has many sessions, and posta's
# path includes the queue's fsync, which a client or two would wait on
CLIENTS=${SPAM_CLIENTS:-$((4 * JOBS))}
# the share of the corpus a run uses: every Nth message (a small run is a smoke test). A
# full run evaluates every evaluation message; on a slow or busy machine SPAM_EVAL_EVERY=N
# evaluates every Nth instead (SpamAssassin takes about 0.1-0.5 s of CPU a message), and
# SPAM_ROUND_EVERY=N makes the throughput sample of the rounds smaller.
TRAIN_EVERY=$(scale 100 1)
EVAL_EVERY=${SPAM_EVAL_EVERY:-$(scale 300 1)}
ROUND_EVERY=${SPAM_ROUND_EVERY:-$(scale 300 12)}
EVAL_DIRS=("$C/eval/easy-ham" "$C/eval/hard-ham" "$C/eval/spam")
SPAMCHECK=$POSTA_BIN/posta-spamcheck
case $SPAM_PEER in
  sa) PEER_NAME=spamassassin ;;
  rspamd) PEER_NAME=rspamd ;;
esac

# train_files KIND...: the training messages of the Maildirs train/KIND (a sample when small)
train_files() {
  local k
  for k in "$@"; do ls -d "$C/train/$k/cur/"*; done | awk -v n="$TRAIN_EVERY" '(NR - 1) % n == 0'
}
# timed NAME CMD...: runs CMD (a learning), prints its time as a figure on stderr
timed() {
  local name=$1 t0; shift
  t0=$(date +%s.%N)
  "$@" || return 1
  echo "figure: ${name}_learning $(elapsed_since "$t0") s ($(train_files spam | wc -l) spam, $(train_files easy-ham hard-ham | wc -l) ham)" >&2
}
# classify FILTER EVERY [RESULTS]: one pass over the evaluation messages (every Nth);
# prints "RATE msg/s PEAK_KB COUNT" (PEAK_KB: the largest client process)
classify() {
  local res=()
  [ -n "${3:-}" ] && res=(--results "$3")
  $PY "$BENCH_LIB/spam_eval.py" classify "$1" --jobs "$CLIENTS" --every "$2" "${res[@]}" \
    --posta-bin "$SPAMCHECK" --posta-home "${PH:-}" --envelope "$SW/envelope" "${EVAL_DIRS[@]}"
}
# peer_filter [client]: the peer's filter for spam_eval.py classify: its protocol (SPAMC,
# HTTP), or with "client" its client program, a process per message (spamc, rspamc)
peer_filter() {
  case $SPAM_PEER$1 in
    sa) echo "spamd:$(cat "$SW/sa.port")" ;;
    saclient) echo "spamc:$(cat "$SW/sa.port")" ;;
    rspamd) echo "rspamd:127.0.0.1:$(cut -d' ' -f1 "$RS/ports")" ;;
    rspamdclient) echo "rspamc:127.0.0.1:$(cut -d' ' -f1 "$RS/ports")" ;;
  esac
}
peer_pids() { case $SPAM_PEER in sa) sa_pids ;; rspamd) rspamd_pids ;; esac; }

peer_setup() {
  case $SPAM_PEER in
    sa)
      local port; port=$(free_port); echo "$port" >"$SW/sa.port"
      sa_setup || return 1
      timed spamassassin sa_learn_files || return 1
      sa_start "$port" "$JOBS" ;;
    rspamd)
      rspamd_setup "$(free_port)" "$(free_port)" "$(free_port)" "$JOBS" && rspamd_start || return 1
      timed rspamd rspamd_learn_files ;;
  esac
}
sa_learn_files() {
  # shellcheck disable=SC2046
  sa_learn spam $(train_files spam) && sa_learn ham $(train_files easy-ham hard-ham)
}
rspamd_learn_files() {
  # shellcheck disable=SC2046
  rspamd_learn spam $(train_files spam) && rspamd_learn ham $(train_files easy-ham hard-ham) || return 1
  echo "figure: rspamd_learned $(grep -c 'success = true' "$RS/learn-spam.out") spam $(grep -c 'success = true' "$RS/learn-ham.out") ham (the others: Message-IDs learnt already)" >&2
}

posta_setup() {
  posta_bench_setup || return 1
  # posta-send down: what posta-spamcheck passes on stays in the queue, emptied after each pass
  s6-svc -wD -d "$PH/service/send" 2>/dev/null
  # learning is a subcommand of its own (it may land after the filter): without it posta is
  # evaluated on its rules alone, and a figure says so
  if ! "$SPAMCHECK" --help 2>&1 | grep -q "^ *learn "; then
    echo "figure: posta_learning unavailable (posta-spamcheck has no learn yet): rules only" >&2
    return 0
  fi
  timed posta posta_learn
}
posta_learn() {
  # the learner reads as the instance owner (as in production): a copy of the training
  # messages it can read, outside root's cache
  rm -rf "$SW/train" && mkdir -p "$SW/train/spam" "$SW/train/ham" || return 1
  # shellcheck disable=SC2046
  cp $(train_files spam) "$SW/train/spam/" && cp $(train_files easy-ham hard-ham) "$SW/train/ham/" &&
    chmod -R a+rX "$SW/train" || return 1
  POSTA_HOME=$PH "$SPAMCHECK" learn --spam "$SW"/train/spam/* >&2 &&
    POSTA_HOME=$PH "$SPAMCHECK" learn --ham "$SW"/train/ham/* >&2
}
# posta_pass EVERY [RESULTS] [FILTER]: the messages through posta-spamcheck serve (or
# FILTER: posta-queue, the process per message); everything passed on must be in the queue
posta_pass() {
  local out passed
  posta_empty_queue
  out=$(classify "${3:-posta-serve}" "$1" "${2:-}") || return 1
  passed=$(count_files "$PH/queue/todo")
  posta_empty_queue
  echo "figure: posta_queued $passed of $(awk '{print $4}' <<<"$out") messages (the others refused)" >&2
  echo "$out"
}

# summary NAME RESULTS: the accuracy figures (posta's with the peers evaluated so far)
summary() {
  local peers=() p
  if [ "$1" = posta ]; then
    for p in spamassassin rspamd; do [ -f "$RESULTS/$p.tsv" ] && peers+=(--peer "$p=$RESULTS/$p.tsv"); done
  fi
  $PY "$BENCH_LIB/spam_eval.py" summary "$1" "$2" "${peers[@]}" >&2
}
# rate_figure NAME OUT: the throughput figure of a setup pass, with its target
rate_figure() {
  local rate=${2%% *} goal=
  if [ "$1" = posta ]; then
    local sa rs
    sa=$(awk '{print $1}' "$RESULTS/spamassassin.rate" 2>/dev/null)
    rs=$(awk '{print $1}' "$RESULTS/rspamd.rate" 2>/dev/null)
    # the targets of the peers measured so far in this run
    [ -n "$sa" ] && goal=">= 50x spamassassin = $(awk -v r="$sa" 'BEGIN{print 50 * r}')"
    [ -n "$rs" ] && goal="${goal:+$goal, }>= 2x rspamd = $(awk -v r="$rs" 'BEGIN{print 2 * r}')"
    goal=${goal:+ (target $goal)}
  fi
  echo "figure: ${1}_eval_pass $rate msg/s over $(awk '{print $4}' <<<"$2") messages, $CLIENTS clients, load average $(cut -d' ' -f1-3 /proc/loadavg)$goal" >&2
}

posta_evaluate() {
  local out
  posta_setup || return 1
  $PY "$BENCH_LIB/spam_eval.py" posta-check --posta-bin "$SPAMCHECK" --posta-home "$PH" \
    --jobs "$JOBS" --every "$EVAL_EVERY" --results "$RESULTS/posta.tsv" "${EVAL_DIRS[@]}" >/dev/null || return 1
  summary posta "$RESULTS/posta.tsv"
  out=$(posta_pass "$EVAL_EVERY") || return 1
  rate_figure posta "$out"
  out=$(posta_pass "$ROUND_EVERY" "" posta-queue) || return 1
  echo "figure: posta_via_exec $(cut -d' ' -f1-2 <<<"$out") over $(cut -d' ' -f4 <<<"$out") messages (a posta-spamcheck process per message: the service down)" >&2
}

spam_setup() {
  rm -rf "$SW"; mkdir -p "$SW" "$RESULTS"
  chmod 755 "$SW"
  spam_corpus_split >&2 || return 1
  printf 'Fbench@bench.test\0Tuser1@bench.test\0\0' >"$SW/envelope"
  # the floor: what this driver reaches with a process that only reads the message
  echo "figure: driver_floor $(classify floor "$ROUND_EVERY" | cut -d' ' -f1-2) (cat per message, $CLIENTS at a time)" >&2
  peer_setup || return 1
  local out
  out=$(classify "$(peer_filter)" "$EVAL_EVERY" "$RESULTS/$PEER_NAME.tsv") || return 1
  echo "$out" >"$RESULTS/$PEER_NAME.rate"
  rate_figure "$PEER_NAME" "$out"
  summary "$PEER_NAME" "$RESULTS/$PEER_NAME.tsv"
  out=$(classify "$(peer_filter client)" "$ROUND_EVERY") || return 1
  echo "figure: ${PEER_NAME}_via_$(peer_filter client | cut -d: -f1) $(cut -d' ' -f1-2 <<<"$out") over $(cut -d' ' -f4 <<<"$out") messages (a client process per message)" >&2
  if [ -x "$SPAMCHECK" ]; then
    # a posta failure fails posta's rounds, not the peer's figures
    posta_evaluate || { echo "figure: posta setup failed" >&2; touch "$SW/posta.failed"; }
  else
    echo "figure: posta not evaluated (posta-spamcheck not built)" >&2
  fi
}

spam_workload() {
  local out
  case $1 in
    check)
      case $SPAM_PEER in
        sa) command -v spamd && command -v spamc && command -v sa-learn ;;
        rspamd) command -v rspamd && command -v rspamc && command -v redis-server ;;
      esac && { command -v npm || [ -f "$SPAM_CORPUS_DIR/.complete" ]; } ;;
    setup) spam_setup ;;
    posta)
      [ -x "$SPAMCHECK" ] || { echo "skipped posta-spamcheck not built"; return 0; }
      [ -f "$SW/posta.failed" ] && { echo "posta's setup failed (see its figures)" >&2; return 1; }
      local serve; serve=$(pgrep -f "posta-spamcheck serve -D $PH/run/spamcheck.sock" | head -n 1)
      reset_peaks $serve
      out=$(posta_pass "$ROUND_EVERY") || return 1
      echo "$(cut -d' ' -f1-2 <<<"$out") $(peak_kb $serve)" ;;
    peer)
      reset_peaks $(peer_pids)
      out=$(classify "$(peer_filter)" "$ROUND_EVERY") || return 1
      echo "$(cut -d' ' -f1-2 <<<"$out") $(peak_kb $(peer_pids))" ;;
    teardown)
      case $SPAM_PEER in sa) sa_stop ;; rspamd) rspamd_stop ;; esac
      { [ -z "${PH:-}" ] || posta_empty_queue; }
      [ "${BENCH_SHARE:-0}" = 1 ] && [ -n "${PH:-}" ] && s6-svc -u "$PH/service/send" 2>/dev/null
      posta_bench_stop
      rm -rf "$SW" ;;
  esac
}
