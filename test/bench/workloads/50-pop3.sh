# Retrieving 1,000 messages of 10 KB in one POP3 session: posta-pop3d vs Dovecot's pop3,
# on the same Maildir (pop3@bench.test's: a shared instance keeps each workload's mailbox
# apart). The user has the same cheap SHA-256 crypt hash on both sides: the password hash
# (~85 ms of yescrypt, measured by the auth workload) is not what this workload measures.
# The client logs in, STATs and QUITs with Python's poplib, and RETRs one message at a time
# (lockstep, as fetchmail does), the same for both servers; it reads each answer in blocks
# up to its CRLF.CRLF end rather than with poplib's retr(), whose line-by-line parsing in
# Python cost about as much per message as either server (~40 us of ~100; the end-to-end
# round trip of a lockstep command is most of the rest). The figure covers the whole
# session: connect, login, STAT, 1,000 RETR, QUIT. Extra figures: <side>_login (connect to
# the answer to PASS), <side>_retr (the RETRs alone) and <side>_poplib (a second session
# with poplib's own retr(), as the workload measured before).
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/posta.sh"
. "$(dirname "$0")/../lib/dovecot.sh"
N=$(scale 200 1000)
# retrieve PORT USER PASSWORD SIDE
retrieve() {
  $PY - "$1" "$2" "$3" "$N" "$4" <<'PY'
import poplib, sys, time
port, user, pw, n, side = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
END = b"\r\n.\r\n"

def retr(p, i):
    p.sock.sendall(b"RETR %d\r\n" % i)
    buf = bytearray(p.file.read1(1 << 16))
    while not buf.endswith(END):
        more = p.file.read1(1 << 16)
        if not more: raise EOFError("connection closed during RETR %d" % i)
        buf += more
    status = bytes(buf[:buf.find(b"\r\n")])
    assert status.startswith(b"+OK "), status
    sent = len(buf) - len(status) - 2 - 3  # the message with its last CRLF, dot-stuffed
    assert sent >= int(status.split()[1]), (status, sent)

def session(fetch):
    t0 = time.monotonic()
    p = poplib.POP3("127.0.0.1", port, timeout=60); p.user(user); p.pass_(pw)
    t1 = time.monotonic()
    count = p.stat()[0]
    assert count >= n, count
    t2 = time.monotonic()
    for i in range(1, n + 1): fetch(p, i)
    t3 = time.monotonic()
    p.quit()
    return n / (time.monotonic() - t0), t1 - t0, n / (t3 - t2)

rate, login, retr_rate = session(retr)
print("%.1f" % rate)
print("figure: %s_login %.1f ms" % (side, login * 1000), file=sys.stderr)
print("figure: %s_retr %.1f msg/s" % (side, retr_rate), file=sys.stderr)
print("figure: %s_poplib %.1f msg/s" % (side, session(lambda p, i: p.retr(i))[0]), file=sys.stderr)
PY
}
case $1 in
  check) [ -x "$POSTA_BIN/posta-pop3d" ] && [ -x "$POSTA_BIN/posta-user" ] && command -v dovecot ;;
  setup)
    posta_bench_setup || exit 1
    hash=$(posta_cheap_hash)
    printf 'pop3@bench.test\t%s\t1\t0\t0\t\t\t0\t0\t0\n' "$hash" | "$POSTA_BIN/posta-user" --home "$PH" import >/dev/null || exit 1
    md=$PH/mail/bench.test/pop3
    body=$(head -c 7500 /dev/urandom | base64 -w 76)
    for i in $(seq 1 "$N"); do
      printf 'From: a@bench.test\nTo: pop3@bench.test\nSubject: m%s\n\n%s\n' "$i" "$body" >"$md/new/$i.bench"
    done
    chown -R "$(stat -c %U "$PH")" "$md"
    DOVECOT_PASSWORD="{CRYPT}$hash" dovecot_setup "$md" "$(free_port)" "$(free_port)" ;;
  posta) r=$(retrieve "$POP3_PORT" pop3@bench.test bench posta) && echo "$r msg/s $(peak_kb $(posta_pids))" ;;
  peer)
    port=$(sed -n '/inet_listener pop3 {/,/}/s/ *port = //p' "$DV/dovecot.conf")
    r=$(retrieve "$port" bench bench dovecot) && echo "$r msg/s $(peak_kb $(dovecot_pids))" ;;
  teardown) dovecot_stop; posta_bench_stop ;;
esac
