# Ten clients on one mailbox doing SELECT, FETCH, STORE, EXPUNGE, COPY, MOVE, APPEND, SEARCH,
# NOOP and LOGOUT with a new login at random (test/lib/imap_stress.py, which checks every
# response against the protocol and its own view of the mailbox): posta-imapd vs Dovecot,
# each from the same 200-message Maildir (BENCH_SCALE=small: 50), in commands/s over 20 s
# (small: 2 s). The clients are two processes of five: a Python client is the bottleneck
# sooner than either server, so the ratio understates the difference. The user,
# stress@bench.test, has the same cheap SHA-256 crypt hash on both sides: a client logs in
# again after each LOGOUT, and with yescrypt both servers would mostly be hashing. Any
# protocol error fails the workload.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/posta.sh"
. "$(dirname "$0")/../lib/dovecot.sh"
N=$(scale 50 200)
SECONDS_RUN=$(scale 2 20)
SEED=$BENCH_WORK/stress-seed
CHEAP=$(openssl passwd -5 -salt benchsalt bench)
DVMD=$BENCH_WORK/stress-dovecot

# fresh MAILDIR: the seed's messages and nothing else (no index or cache of either server)
fresh() {
  rm -rf "$1" && cp -a "$SEED" "$1" && chown -R "$(stat -c %U "$PH")" "$1"
}

# stress PORT USER LABEL: commands/s of two client processes, five clients each
stress() {
  local out=$BENCH_WORK/stress.out rc=0 p1 p2
  $PY "$BENCH_LIB/../../lib/imap_stress.py" --clients 5 --seconds "$SECONDS_RUN" --seed 1 \
    --port "$1" --user "$2" --password bench >"$out.1" 2>&1 & p1=$!
  $PY "$BENCH_LIB/../../lib/imap_stress.py" --clients 5 --seconds "$SECONDS_RUN" --seed 2 \
    --port "$1" --user "$2" --password bench >"$out.2" 2>&1 & p2=$!
  wait $p1 || rc=1
  wait $p2 || rc=1
  if [ $rc != 0 ]; then
    echo "$3: protocol errors:" >&2
    cat "$out.1" "$out.2" >&2
    return 1
  fi
  cat "$out.1" "$out.2" | awk -v l="$3" '
    { for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] += kv[2] } }
    END { printf "figure: %s_commands %d\n", l, v["commands"] > "/dev/stderr"; printf "%.0f\n", v["commands/s"] }'
}

case $1 in
  check) [ -x "$POSTA_BIN/posta-imapd" ] && command -v dovecot ;;
  setup)
    posta_bench_setup || exit 1
    printf 'stress@bench.test\t%s\t1\t0\t0\t\t\t0\t0\t0\n' "$CHEAP" | "$POSTA_BIN/posta-user" --home "$PH" import >/dev/null || exit 1
    rm -rf "$SEED" && mkdir -p "$SEED"/{cur,new,tmp}
    $PY - "$SEED" "$N" <<'PY' || exit 1
import os, sys
md, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    name = '%d.M%dP1.stress:2,%s' % (1700000000 + i, i, 'S' if i % 2 else '')
    with open(os.path.join(md, 'cur', name), 'w') as f:
        f.write('From: a%d@example.org\nTo: stress@bench.test\nSubject: stress %d\nMessage-ID: <s%d@bench>\n\n'
                'body %d\n%s' % (i, i, i, i, 'line of text\n' * (i % 40)))
PY
    fresh "$DVMD"
    DOVECOT_PASSWORD="{CRYPT}$CHEAP" dovecot_setup "$DVMD" "$(free_port)" "$(free_port)" ;;
  posta)
    fresh "$PH/mail/bench.test/stress"
    r=$(stress "$IMAP_PORT" stress@bench.test posta) && echo "$r cmd/s $(peak_kb $(posta_pids))" ;;
  peer)
    dovecot_stop
    fresh "$DVMD"
    DOVECOT_PASSWORD="{CRYPT}$CHEAP" dovecot_setup "$DVMD" "$(free_port)" "$(free_port)" || exit 1
    r=$(stress "$(dovecot_imap_port)" bench dovecot) && echo "$r cmd/s $(peak_kb $(dovecot_pids))" ;;
  teardown) dovecot_stop; rm -rf "$SEED" "$DVMD"; posta_bench_stop ;;
esac
