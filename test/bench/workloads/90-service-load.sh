# Memory of the whole service tree under the load of test/bats/load.bats: 200 logged-in idle
# IMAP sessions (BENCH_SCALE=small: 20) held while 500 SMTP sessions (small: 30) are open at
# once, each then sending one message (test/lib/load.py). The value is the PSS in MB of every
# process of the service tree at that moment: posta's whole supervision tree (s6-svscan and
# everything below it: tcpd, smtpd, imapd, tlsd, authd, queued, the queue manager family);
# the peer's Postfix master with its children plus Dovecot's master with its children. The
# PSS of the idle trees and the load's own figures are reported as figures. The services'
# connection limits are raised for the run (posta: -c/-C/-b in the run files, then a restart of
# those two services; Postfix: default_process_limit; Dovecot's setup already allows 1000).
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/posta.sh"
. "$(dirname "$0")/../lib/postfix.sh"
. "$(dirname "$0")/../lib/dovecot.sh"
N_SMTP=$(scale 30 500)
N_IMAP=$(scale 20 200)
# load SMTP_PORT IMAP_PORT IMAP_USER RCPT ROOTS: runs load.py, prints "MB MB PEAK_KB"
load() {
  local out=$BENCH_WORK/load.$$ r pss idle
  mkdir -p "$out"
  r=$(LOAD_OVER_LIMIT=0 LOAD_IMAP_USER=$3 LOAD_IMAP_PASS=bench LOAD_SMTP_RCPT=$4 \
    timeout 600 $PY "$BENCH_LIB/../../lib/load.py" 127.0.0.1 "$1" "$2" "$N_SMTP" "$N_IMAP" "$out" "$5")
  local rc=$?
  rm -rf "$out"
  echo "$r" | grep -v '^pss_' >&2
  [ $rc = 0 ] || return 1
  pss=$(echo "$r" | sed -n 's/^pss_kb //p')
  idle=$(echo "$r" | sed -n 's/^pss_idle_kb //p')
  echo "figure: pss_idle $((idle / 1024)) MB" >&2
  echo "figure: pss_per_session $(( (pss - idle) / (N_SMTP + N_IMAP) )) KB" >&2
  echo "$((pss / 1024)) MB $pss"
}
case $1 in
  check) [ -x "$POSTA_BIN/posta-imapd" ] && [ -x "$POSTA_BIN/posta-smtpd" ] && command -v postconf && command -v dovecot ;;
  setup)
    posta_bench_setup || exit 1
    echo yes >"$PH/control/authplaintext"
    sed -i "s/ -c [0-9]* -C [0-9]* / -c $((N_SMTP + 20)) -C $((N_SMTP + 10)) -b 1024 /" "$PH/service/smtpd/run"
    sed -i "s/ -c [0-9]* -C [0-9]* / -c $((N_IMAP + 20)) -C $((N_IMAP + 10)) -b 1024 /" "$PH/service/imap/run"
    # restarted and ready again (notification-fd) with the new limits
    s6-svc -wR -T 20000 -r "$PH/service/smtpd" && s6-svc -wR -T 20000 -r "$PH/service/imap" || exit 1
    wait_port 127.0.0.1 "$SMTP_PORT" && wait_port 127.0.0.1 "$IMAP_PORT" || exit 1
    # Dovecot's sessions get a Maildir of their own (posta's user20 receives the SMTP load)
    md=$BENCH_WORK/dovecot-load-maildir
    mkdir -p "$md/cur" "$md/new" "$md/tmp" && chown -R "$(stat -c %U "$PH")" "$md"
    PFPORT=$(free_port); echo "$PFPORT" >"$BENCH_WORK/pf.port"
    postfix_config "$PFPORT" maildir && echo "default_process_limit = $((N_SMTP + 50))" >>"$PF/etc/main.cf" &&
      postfix_start && wait_port 127.0.0.1 "$PFPORT" || exit 1
    DOVECOT_PASSWORD="{CRYPT}$(posta_cheap_hash)" dovecot_setup "$md" "$(free_port)" "$(free_port)" ;;
  posta)
    load "$SMTP_PORT" "$IMAP_PORT" idle@bench.test user20@bench.test "$(cat "$PH/svscan.pid")" || exit 1
    # leave the queue empty (a shared instance goes on to the next workload)
    i=0; while [ -n "$("$POSTA_BIN/posta-mailq" --json 2>/dev/null)" ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i + 1)); done ;;
  peer)
    port=$(sed -n '/inet_listener imap {/,/}/s/ *port = //p' "$DV/dovecot.conf")
    load "$(cat "$BENCH_WORK/pf.port")" "$port" bench user20@bench.test "$(postfix_pids),$(dovecot_pids)" ;;
  teardown) dovecot_stop; postfix_stop; posta_bench_stop ;;
esac
