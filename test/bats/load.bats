#!/usr/bin/env bats
# Load held on one instance: 200 logged-in idle IMAP sessions and, while they are held, 500
# SMTP sessions open at the same time, each then sending one message (test/lib/load.py).
# Every message is delivered exactly once (Maildir files and their Message-IDs), every IMAP
# session still answers NOOP afterwards, and one connection past the per-address limit of
# each service is refused at once with a temporary error (posta-tcpd -m: 421 or * BYE) rather than
# left waiting. The services' limits are raised for the test in the instance's run files
# (-c total, -C per address), as an administrator would. LOAD_SMTP / LOAD_IMAP change the
# counts. The PSS of the whole service tree under that load is reported (make bench measures
# it too: workload service-load).

load ../lib/instance

N_SMTP=${LOAD_SMTP:-500}
N_IMAP=${LOAD_IMAP:-200}

setup_file() {
  instance_create example.test
  echo yes >"$PH/control/authplaintext"
  # a cheap SHA-256 crypt hash: 200 logins are not what is tested (yescrypt costs up to 2 s)
  local hash
  hash=$(openssl passwd -5 -salt loadsalt load)
  for i in $(seq 1 10); do
    printf 'r%d@example.test\t%s\t1\t0\t0\t\t\t0\t0\t0\n' "$i" "$hash"
  done | posta user --home "$PH" import >&2
  # exactly N sessions from one address, a few spare slots in all (so the one past the
  # per-address limit meets that limit, not the total), and a listen backlog for a burst of
  # N connects: past the backlog (default 128) the kernel drops the handshake's last ACK
  # (SYN cookies) and a client of a server-speaks-first protocol waits forever
  sed -i "s/ -c [0-9]* -C [0-9]* / -c $((N_SMTP + 20)) -C $N_SMTP -b 1024 /" "$PH/service/smtpd/run"
  sed -i "s/ -c [0-9]* -C [0-9]* / -c $((N_IMAP + 20)) -C $N_IMAP -b 1024 /" "$PH/service/imap/run"
  grep -q -- "-C $N_SMTP " "$PH/service/smtpd/run"
  grep -q -- "-C $N_IMAP " "$PH/service/imap/run"
  instance_start
}

teardown_file() { instance_stop; }

setup() { load_helpers; }

# message_ids: the Message-ID of every delivered message, one a line
message_ids() {
  find "$PH"/mail/example.test/r*/new "$PH"/mail/example.test/r*/cur -type f -print0 |
    xargs -0 -r grep -h -i -m1 '^Message-ID:' | sed 's/^[^:]*: *//; s/\r$//'
}

queue_empty() { [ -z "$(posta mailq --json)" ]; }

@test "load: $N_IMAP idle IMAP sessions held while $N_SMTP SMTP sessions each send a message" {
  local out=$BATS_TEST_TMPDIR t0=$SECONDS
  run timeout 600 $PY "$POSTA_SRC/test/lib/load.py" "$INSTANCE_IP" "$SMTP_PORT" "$IMAP_PORT" \
    "$N_SMTP" "$N_IMAP" "$out" "$(cat "$PH/svscan.pid")"
  echo "$output" | grep -v '^pss_' | sed 's/^/# /' >&3
  local pss idle
  pss=$(sed -n 's/^pss_kb //p' <<<"$output")
  idle=$(sed -n 's/^pss_idle_kb //p' <<<"$output")
  echo "# PSS of the whole service tree: $((idle / 1024)) MB idle, $((pss / 1024)) MB under load" >&3
  assert_success
  assert_output --partial "imap: $N_IMAP of $N_IMAP sessions answered NOOP after the load"
  assert_output --partial "smtp: $N_SMTP sessions open at once"
  assert_output --partial "smtp: $N_SMTP of $N_SMTP messages accepted"
  # the services' posta-tcpd -m: a temporary error, not a bare close
  assert_output --partial "IMAP connection beyond the limit: b'* BYE [UNAVAILABLE]"
  assert_output --partial "SMTP connection beyond the limit: b'421 4.7.0"
  [ "$(wc -l <"$out/sent")" = "$N_SMTP" ]

  # delivered, each exactly once
  delivered() { [ "$(find "$PH"/mail/example.test/r*/new -type f | wc -l)" -ge "$N_SMTP" ]; }
  wait_for 180 delivered
  wait_for 60 queue_empty
  message_ids | sort >"$out/got"
  sort "$out/sent" >"$out/sent.sorted"
  echo "# delivered $(wc -l <"$out/got") messages, $(sort -u "$out/got" | wc -l) distinct, in $((SECONDS - t0)) s" >&3
  [ "$(wc -l <"$out/got")" = "$N_SMTP" ]
  [ -z "$(uniq -d "$out/got")" ]
  diff "$out/sent.sorted" "$out/got"
}

@test "load: the instance still serves after the load (no slot leaked)" {
  run $PY - "$INSTANCE_IP" "$SMTP_PORT" "$IMAP_PORT" <<'PY'
import imaplib, smtplib, sys
host, sp, ip = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = smtplib.SMTP(host, sp, timeout=30)
s.sendmail("after@load.test", ["r1@example.test"], "Subject: after\r\n\r\nafter the load\r\n")
s.quit()
m = imaplib.IMAP4(host, ip, timeout=30)
m.login("r1@example.test", "load")
typ, data = m.select("INBOX")
print("select", typ)
m.logout()
PY
  assert_success
  assert_output --partial "select OK"
}
