# Retrieving 1,000 messages of 10 KB in one POP3 session: posta-pop3d vs Dovecot's pop3,
# on the same Maildir (user4's: a shared instance keeps each workload's mailbox apart).
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/posta.sh"
. "$(dirname "$0")/../lib/dovecot.sh"
N=$(scale 200 1000)
retrieve() {
  $PY - "$1" "$2" "$3" "$N" <<'PY'
import poplib, sys, time
port, user, pw, n = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
t0 = time.monotonic()
p = poplib.POP3("127.0.0.1", port, timeout=60); p.user(user); p.pass_(pw)
count = p.stat()[0]
assert count >= n, count
for i in range(1, n + 1): p.retr(i)
p.quit()
print("%.1f" % (n / (time.monotonic() - t0)))
PY
}
case $1 in
  check) [ -x "$POSTA_BIN/posta-pop3d" ] && [ -x "$POSTA_BIN/posta-user" ] && command -v dovecot ;;
  setup)
    posta_bench_setup || exit 1
    md=$PH/mail/bench.test/user4
    body=$(head -c 7500 /dev/urandom | base64 -w 76)
    for i in $(seq 1 "$N"); do
      printf 'From: a@bench.test\nTo: user4@bench.test\nSubject: m%s\n\n%s\n' "$i" "$body" >"$md/new/$i.bench"
    done
    chown -R "$(stat -c %U "$PH")" "$md"
    dovecot_setup "$md" "$(free_port)" "$(free_port)" ;;
  posta) r=$(retrieve "$POP3_PORT" user4@bench.test bench) && echo "$r msg/s $(peak_kb $(posta_pids))" ;;
  peer)
    port=$(sed -n '/inet_listener pop3 {/,/}/s/ *port = //p' "$DV/dovecot.conf")
    r=$(retrieve "$port" bench bench) && echo "$r msg/s $(peak_kb $(dovecot_pids))" ;;
  teardown) dovecot_stop; posta_bench_stop ;;
esac
