# A throwaway Postfix instance under $BENCH_WORK/postfix (never /etc/postfix), loopback only.
# postfix_setup PORT [delivery]: delivery "none" keeps mail in the queue (held by smtpd_data_restrictions
# HOLD, so smtpd and cleanup do all the work); "maildir" delivers bench.test recipients by virtual(8) into
# $BENCH_WORK/postfix/mail/<user>/; "relay" sends everything out by smtp(8) as routed by
# $BENCH_WORK/postfix/etc/transport (texthash).
# postfix_setup is postfix_config then postfix_start; a workload that changes the
# configuration further does so between the two (a reload costs seconds).
PF=$BENCH_WORK/postfix
postfix_setup() { postfix_config "$@" && postfix_start; }
postfix_config() {
  local port=$1 mode=${2:-none}
  rm -rf "$PF"; mkdir -p "$PF/etc" "$PF/spool" "$PF/data" "$PF/mail"
  chown postfix "$PF/data"; chown nobody "$PF/mail"
  cat >"$PF/etc/main.cf" <<CF
compatibility_level = 3.6
queue_directory = $PF/spool
data_directory = $PF/data
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = peer.bench.test
mydomain = bench.test
mydestination =
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_recipient_restrictions = permit_mynetworks, reject
smtp_dns_support_level = disabled
disable_dns_lookups = yes
smtpd_peername_lookup = no
biff = no
maillog_file = $PF/data/maillog
maillog_file_prefixes = $PF
alias_maps =
alias_database =
local_recipient_maps =
virtual_mailbox_domains = bench.test
virtual_mailbox_base = $PF/mail
virtual_mailbox_maps = texthash:$PF/etc/vmailbox
virtual_uid_maps = static:$(id -u nobody)
virtual_gid_maps = static:$(id -g nobody)
virtual_destination_concurrency_limit = 20
transport_maps = texthash:$PF/etc/transport
smtp_destination_concurrency_limit = 10
default_destination_concurrency_limit = 20
default_process_limit = 100
smtp_tls_security_level = none
smtpd_tls_security_level = none
message_size_limit = 52428800
virtual_mailbox_limit = 0
CF
  [ "$mode" = none ] && echo 'smtpd_data_restrictions = check_client_access static:HOLD' >>"$PF/etc/main.cf"
  cat >>"$PF/etc/main.cf" <<CF
CF
  : >"$PF/etc/transport"
  local u; for u in $(seq 1 20); do echo "user$u@bench.test user$u/" >>"$PF/etc/vmailbox"; done
  sed -n '/^#/d;/^$/d;p' /etc/postfix/master.cf |
    awk -v port="$port" -v mode="$mode" '
      $1=="smtp" && $2=="inet" { print "127.0.0.1:" port " inet n - n - - smtpd"; next }
      /^[ \t]/ { print; next }
      { print }' >"$PF/etc/master.cf"
}
postfix_start() {
  postfix_queue_dirs
  postfix -c "$PF/etc" start >&2
}
# postfix_queue_dirs: the queue directories as post-install creates them, and the
# quick-start flag that lets "postfix start" skip its integrity checks (postfix check and
# set-permissions took ~10 s of a run scanning the system's Postfix files)
postfix_queue_dirs() {
  local d
  for d in active bounce corrupt defer deferred flush hold incoming private saved trace; do
    install -d -o postfix -g root -m 700 "$PF/spool/$d"
  done
  install -d -o postfix -g postdrop -m 730 "$PF/spool/maildrop"
  install -d -o postfix -g postdrop -m 710 "$PF/spool/public"
  install -d -o root -g root -m 755 "$PF/spool/pid"
  touch "$PF/spool/quick-start"
}
postfix_stop() {
  [ -f "$PF/etc/main.cf" ] && postfix -c "$PF/etc" stop >/dev/null 2>&1
  pkill -9 -f "$PF/" 2>/dev/null
  true
}
postfix_pids() { cat "$PF/spool/pid/master.pid" 2>/dev/null | tr -d " "; }
