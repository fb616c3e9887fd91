# A throwaway Postfix instance under $BENCH_WORK/postfix (never /etc/postfix), loopback only.
# postfix_setup PORT [delivery]: delivery "none" keeps mail in the queue (held by smtpd_data_restrictions
# HOLD, so smtpd and cleanup do all the work); "maildir" delivers bench.test recipients by virtual(8) into
# $BENCH_WORK/postfix/mail/<user>/; "relay" sends everything out by smtp(8) as routed by
# $BENCH_WORK/postfix/etc/transport (texthash).
# postfix_setup is postfix_config then postfix_start; a workload that changes the
# configuration further does so between the two (a reload costs seconds).
. "$(dirname "${BASH_SOURCE[0]}")/../../lib/postfix.bash"
PF=$BENCH_WORK/postfix
postfix_setup() { postfix_config "$@" && postfix_start; }
postfix_config() {
  local port=$1 mode=${2:-none}
  rm -rf "$PF"
  postfix_config_dir "$PF" peer.bench.test bench.test "127.0.0.1:$port"
  cat >>"$PF/etc/main.cf" <<CF
mydomain = bench.test
smtpd_recipient_restrictions = permit_mynetworks, reject
virtual_destination_concurrency_limit = 20
transport_maps = texthash:$PF/etc/transport
smtp_destination_concurrency_limit = 10
default_destination_concurrency_limit = 20
default_process_limit = 100
smtp_tls_security_level = none
message_size_limit = 52428800
virtual_mailbox_limit = 0
CF
  [ "$mode" = none ] && echo 'smtpd_data_restrictions = check_client_access static:HOLD' >>"$PF/etc/main.cf"
  : >"$PF/etc/transport"
  local u; for u in $(seq 1 20); do echo "user$u@bench.test user$u/" >>"$PF/etc/vmailbox"; done
}
postfix_start() {
  postfix_queue_dirs "$PF"
  postfix -c "$PF/etc" start >&2
}
postfix_stop() {
  [ -f "$PF/etc/main.cf" ] && postfix -c "$PF/etc" stop >/dev/null 2>&1
  pkill -9 -f "$PF/" 2>/dev/null
  true
}
postfix_pids() { cat "$PF/spool/pid/master.pid" 2>/dev/null | tr -d " "; }
