# Shared by smtpd*.bats: an instance with users, a recording queue wrapper, clients.
# The wrapper (control/smtpqueue) saves each message and envelope under $REC, then runs
# the real posta-queue on them and exits with its code, so every suite uses the real
# queue while the tests can see exactly what posta-smtpd handed over.

: "${POSTA_SRC:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
FIX=$POSTA_SRC/test/fixtures/posta-smtpd

smtpd_instance() {
  instance_create example.test
  OWNER=$(stat -c %U "$PH")
  REC=$PH/rec
  mkdir -p "$REC"
  echo 2 >"$PH/control/timeoutsmtpd"
  # relayed test mail must never reach the system resolver: a dead one on loopback
  echo 127.0.0.1:1 >"$PH/control/resolvers"
  cat >"$PH/recqueue" <<EOS
#!/bin/bash
# records the message and the envelope, then runs the real queue on them
d=\$(mktemp -d "$REC/tmp.XXXXXX") || exit 71
cat >"\$d/msg"
cat <&1 >"\$d/env"
env | grep '^POSTA_[A-Z0-9_]*=' | grep -v '^POSTA_HOME=\|^POSTA_BIN=' >"\$d/vars"
"$POSTA_BIN/posta-queue" <"\$d/msg" 1<"\$d/env"
rc=\$?
echo \$rc >"\$d/rc"
mv "\$d" "$REC/msg.\${d##*.}"
exit \$rc
EOS
  chmod 755 "$PH/recqueue"
  echo "$PH/recqueue" >"$PH/control/smtpqueue"
  [ "$(id -u)" = 0 ] && chown -R "$OWNER" "$REC" "$PH/recqueue" "$PH/control"
  echo alicepw | posta user add alice@example.test --password-stdin >&2
  echo bobpw | posta user add bob@example.test --password-stdin >&2
  posta alias add info@example.test alice@example.test >&2
  export OWNER REC
}

# control FILE VALUE: set a control file (as the instance owner)
control() {
  printf '%s\n' "$2" >"$PH/control/$1"
  [ "$(id -u)" = 0 ] && chown "$OWNER" "$PH/control/$1"
  return 0
}

# messages the queue accepted (rc 0) / every message the queue program saw
queued_count() { grep -lx 0 "$REC"/msg.*/rc 2>/dev/null | wc -l; }
seen_count() { ls -d "$REC"/msg.* 2>/dev/null | wc -l; }
# envelope of the last queued message, one item a line
last_envelope() { local d; d=$(ls -td "$REC"/msg.* | head -1); tr '\0' '\n' <"$d/env"; }
last_message() { local d; d=$(ls -td "$REC"/msg.* | head -1); cat "$d/msg"; }
last_vars() { local d; d=$(ls -td "$REC"/msg.* | head -1); cat "$d/vars"; }
clear_rec() { rm -rf "${REC:?}"/msg.*; }

# py SCRIPT: run python with rawsmtp importable and $SMTP_PORT etc. in the environment
py() { PYTHONPATH=$FIX $PY -c "$1"; }

# raw_smtp SCRIPT [ARG...]: py with c, a rawsmtp.Raw connection to $SMTP_PORT that has read
# the greeting, the modules base64, os, sys and time, and the ARGs in sys.argv[1:]
raw_smtp() {
  PYTHONPATH=$FIX $PY -c "from rawsmtp import Raw
import base64, os, sys, time
c = Raw(int(os.environ['SMTP_PORT']))
$1" "${@:2}"
}

# smtp_replies PRELUDE COMMAND...: raw_smtp PRELUDE (python), then each COMMAND in turn with
# its reply printed, one a line: assert_line --index N checks the reply to the Nth
smtp_replies() {
  raw_smtp "$1
for text in sys.argv[1:]:
    print(c.cmd(text))" "${@:2}"
}
