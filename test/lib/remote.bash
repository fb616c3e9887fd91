# Helpers for suites with a remote side: two instances, DKIM keys in DNS, SMTP sinks.
# Load after ../lib/instance. Suites set T (their temporary directory); every process
# started here is listed in $T/pids for the suite's teardown to kill.

source "$(dirname "${BASH_SOURCE[0]}")/dns.bash"

SINK_FIX="$(cd "$(dirname "${BASH_SOURCE[0]}")/../fixtures/posta-remote" && pwd)"

# txt_of <KEYFILE: a DKIM record as printed by posta-domain dkim-keygen, as the
# comma-separated TXT strings dnsmasq's --txt-record wants
txt_of() { sed -n 's/.*( \(.*\) ).*/\1/p' | sed 's/" "/,/g; s/"//g'; }

# use A|B: make the instance helpers (posta, instance_stop, $PH) act on instance A
# (A_PH, 127.0.0.1) or B (B_PH, 127.0.0.2)
use() {
  if [ "$1" = A ]; then PH=$A_PH INSTANCE_IP=127.0.0.1; else PH=$B_PH INSTANCE_IP=127.0.0.2; fi
  POSTA_HOME=$PH
  export PH POSTA_HOME INSTANCE_IP
}

# start_sink NAME ARGS...: test/fixtures/posta-remote/sink.py keeping its messages in
# $T/NAME (log $T/NAME.log), with ARGS (--listen IP:PORT ...); waits until it listens
start_sink() {
  local name=$1; shift
  mkdir -p "$T/$name"
  $PY "$SINK_FIX/sink.py" --dir "$T/$name" "$@" >"$T/$name.log" 2>&1 &
  echo $! >>"$T/pids"
  wait_for 10 test -f "$T/$name/ready"
}

# kill_started: ends what start_sink (and the suite, through $T/pids) started
kill_started() {
  [ -f "$T/pids" ] && while read -r p; do kill "$p" 2>/dev/null; done <"$T/pids"
  return 0
}

# two_instances NAME: $T (/tmp/posta-NAME.XXXXXX), then instance A (a.test on 127.0.0.1)
# and B (b.test on 127.0.0.2); exports A_PH A_PORT A_SUB PORT_BASE_OF_A, the same for B,
# and DNS_PORT, a free port for the suite's dnsmasq
two_instances() {
  export T=$(mktemp -d "/tmp/posta-$1.XXXXXX")
  chmod 755 "$T"
  INSTANCE_IP=127.0.0.1 instance_create a.test
  export A_PH=$PH A_PORT=$SMTP_PORT A_SUB=$SUBMISSION_PORT PORT_BASE_OF_A=$PORT_BASE
  INSTANCE_IP=127.0.0.2 instance_create b.test
  export B_PH=$PH B_PORT=$SMTP_PORT B_SUB=$SUBMISSION_PORT PORT_BASE_OF_B=$PORT_BASE
  export DNS_PORT=$(free_port)
}

# link_instances: A and B resolve through the suite's DNS, with short remote timeouts, and
# each one's MX port is the other's SMTP port
link_instances() {
  local x
  for x in A B; do
    use $x
    echo "127.0.0.1:$DNS_PORT" >"$PH/control/resolvers"
    echo 2 >"$PH/control/timeoutconnect"
    echo 20 >"$PH/control/timeoutremote"
  done
  echo "$B_PORT" >"$A_PH/control/smtpport"
  echo "$A_PORT" >"$B_PH/control/smtpport"
}
