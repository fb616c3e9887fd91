# Throwaway posta instances for Bats suites.
#   load ../lib/instance
#   setup_file() { instance_create example.test; instance_start; }
#   teardown_file() { instance_stop; }
# After instance_create: PH (instance home, also POSTA_HOME), PORT_BASE, POSTA_BIN,
# and SMTP_PORT SUBMISSION_PORT SMTPS_PORT IMAP_PORT IMAPS_PORT POP3_PORT POP3S_PORT
# MANAGESIEVE_PORT.
# Everything listens on $INSTANCE_IP (default 127.0.0.1). Never a blind sleep: wait_port.
# A test that expects a command to fail mid-test says `run ! cmd` (a bare `! cmd` does not
# fail a Bats test unless it is the last command).
# (test/bench sources this file outside Bats, where the function does not exist)
if declare -F bats_require_minimum_version >/dev/null; then bats_require_minimum_version 1.5.0; fi

load_helpers() {
  load /usr/lib/bats/bats-support/load
  load /usr/lib/bats/bats-assert/load
  load /usr/lib/bats/bats-file/load
}

: "${POSTA_BIN:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/bin}"
export POSTA_BIN
# the source tree (fixtures), also when a suite is run with bats directly
: "${POSTA_SRC:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
export POSTA_SRC
# Debian's python (with python3-dkim etc.), never a pyenv one
PY=/usr/bin/python3
. "$(dirname "${BASH_SOURCE[0]}")/ports.bash"

# A port base whose ports (base+25 ... base+4190) are all free; random, so suites may overlap,
# and below the ephemeral range (ports.bash says why): 20000 to 28500, so base+4190 < 32768.
pick_port_base() {
  local base tries=0 off busy
  while [ $tries -lt 50 ]; do
    base=$(( (RANDOM % 86) * 100 + 20000 ))
    busy=
    for off in 25 110 143 465 587 993 995 4190; do port_in_use $((base + off)) && busy=1 && break; done
    [ -z "$busy" ] && { echo $base; return 0; }
    tries=$((tries+1))
  done
  return 1
}

# wait_port HOST PORT [SECONDS]: poll until something listens.
wait_port() {
  local host=$1 port=$2 secs=${3:-20} i=0
  while [ $i -lt $((secs * 20)) ]; do
    if (exec 9<>"/dev/tcp/$host/$port") 2>/dev/null; then return 0; fi
    sleep 0.05; i=$((i+1))
  done
  echo "wait_port: nothing listens on $host:$port after ${secs}s" >&2
  return 1
}

# wait_for SECONDS COMMAND...: poll a condition with a deadline. COMMAND's arguments are
# expanded once, by the caller: a condition on a $(...) must be a function, or
# eval '[ "$(...)" ... ]' in single quotes, to be evaluated again on every poll.
wait_for() {
  local secs=$1 i=0; shift
  while [ $i -lt $((secs * 20)) ]; do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.05; i=$((i+1))
  done
  echo "wait_for: timed out after ${secs}s: $*" >&2
  return 1
}

# instance_create [DOMAIN] [extra posta-setup args...]
instance_create() {
  local domain=${1:-example.test}; shift || true
  INSTANCE_IP=${INSTANCE_IP:-127.0.0.1}
  PH=$(mktemp -d /tmp/posta-test.XXXXXX)
  chmod 755 "$PH"
  PH=$PH/inst
  PORT_BASE=$(pick_port_base)
  export PH PORT_BASE INSTANCE_IP POSTA_HOME=$PH
  SMTP_PORT=$((PORT_BASE+25)) SUBMISSION_PORT=$((PORT_BASE+587)) SMTPS_PORT=$((PORT_BASE+465))
  IMAP_PORT=$((PORT_BASE+143)) IMAPS_PORT=$((PORT_BASE+993))
  POP3_PORT=$((PORT_BASE+110)) POP3S_PORT=$((PORT_BASE+995)) MANAGESIEVE_PORT=$((PORT_BASE+4190))
  export SMTP_PORT SUBMISSION_PORT SMTPS_PORT IMAP_PORT IMAPS_PORT POP3_PORT POP3S_PORT MANAGESIEVE_PORT
  "$POSTA_BIN/posta-setup" --home "$PH" --domain "$domain" --port-base "$PORT_BASE" --ip "$INSTANCE_IP" "$@" >&2
  # Suites about other things send from loopback with made-up sender domains and have no
  # DNS: their clients are trusted, so posta-smtpd's sender checks (SPF) leave them alone.
  # The suites of those checks remove this file (test/bats/spf.bats).
  printf '127.0.0.0/8\n::1\n' >"$PH/control/trustednets"
}

# instance_start: s6-svscan on the service directory, then wait for every listening service
# (its port answers) and every service with a notification-fd (s6-svstat says ready).
instance_start() {
  # exec: $! must be s6-svscan itself, not a subshell (bats' traps defeat bash's exec shortcut)
  (exec s6-svscan "$PH/service" </dev/null >"$PH/svscan.log" 2>&1 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&-) &
  echo $! >"$PH/svscan.pid"
  local svc port
  for svc in "$PH"/service/*/; do
    svc=${svc%/}
    [ -f "$svc/port" ] || continue
    port=$(cat "$svc/port")
    wait_port "$INSTANCE_IP" "$port" 20 || return 1
  done
  # services with s6 readiness (e.g. send, which has no port): wait until they say so
  for svc in "$PH"/service/*/; do
    svc=${svc%/}
    [ -f "$svc/notification-fd" ] || continue
    wait_for 20 _instance_ready "$svc" || { echo "instance_start: ${svc##*/} not ready" >&2; return 1; }
  done
}

_instance_ready() { [ "$(s6-svstat -o up,ready "$1" 2>/dev/null)" = "true true" ]; }

instance_stop() {
  [ -n "${PH:-}" ] || return 0
  local pid i=0
  if [ -f "$PH/svscan.pid" ]; then
    pid=$(cat "$PH/svscan.pid")
    s6-svscanctl -t "$PH/service" 2>/dev/null || kill "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done
    kill -9 "$pid" 2>/dev/null || true
  fi
  # anything still running from this instance (supervisors, daemons, children)
  pkill -9 -f "$PH/" 2>/dev/null || true
  [ -n "${KEEP_INSTANCE:-}" ] || rm -rf "$(dirname "$PH")"
  return 0
}

# as_owner CMD...: run as the instance's owner (tests run as root in CI)
as_owner() {
  local owner
  owner=$(stat -c %U "$PH")
  if [ "$(id -u)" = 0 ] && [ "$owner" != root ]; then
    setpriv --reuid="$owner" --regid="$(stat -c %g "$PH")" --clear-groups "$@"
  else
    "$@"
  fi
}

# posta COMMAND ARGS...: run a posta tool against the instance
posta() { local c=$1; shift; "$POSTA_BIN/posta-$c" "$@"; }

# maildir_count USER@DOMAIN: messages in new/ and cur/
maildir_count() {
  local u=${1%@*} d=${1#*@}
  find "$PH/mail/$d/$u/new" "$PH/mail/$d/$u/cur" -type f 2>/dev/null | wc -l
}
