# A throwaway Postfix in a directory of its own (never /etc/postfix; root only), loopback only,
# no DNS, delivering its domain's mailboxes by virtual(8) as nobody into DIR/mail/<user>/.
# Shared by test/bats/remote-e2e.bats (a destination) and test/bench/lib/postfix.sh (a peer).
# The caller writes DIR/etc/vmailbox ("user@domain user/" lines) and starts Postfix with
# postfix -c DIR/etc start after postfix_queue_dirs.

# postfix_config_dir DIR HOSTNAME DOMAIN LISTEN: DIR's directories, a main.cf with what every
# throwaway instance shares (the caller appends its own settings) and the system's master.cf
# with the smtp service listening on LISTEN (IP:PORT)
postfix_config_dir() {
  local pf=$1 host=$2 dom=$3 listen=$4
  mkdir -p "$pf/etc" "$pf/spool" "$pf/data" "$pf/mail"
  chown postfix "$pf/data"; chown nobody "$pf/mail"
  # inet_interfaces must name a configured address; master.cf binds LISTEN itself
  cat >"$pf/etc/main.cf" <<CF
compatibility_level = 3.6
queue_directory = $pf/spool
data_directory = $pf/data
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = $host
mydestination =
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
smtp_dns_support_level = disabled
disable_dns_lookups = yes
smtpd_peername_lookup = no
biff = no
maillog_file = $pf/data/maillog
maillog_file_prefixes = $pf
alias_maps =
alias_database =
local_recipient_maps =
virtual_mailbox_domains = $dom
virtual_mailbox_base = $pf/mail
virtual_mailbox_maps = texthash:$pf/etc/vmailbox
virtual_uid_maps = static:$(id -u nobody)
virtual_gid_maps = static:$(id -g nobody)
smtpd_tls_security_level = none
CF
  sed -n '/^#/d;/^$/d;p' /etc/postfix/master.cf |
    awk -v l="$listen" '$1=="smtp" && $2=="inet" { print l " inet n - n - - smtpd"; next } { print }' \
      >"$pf/etc/master.cf"
}

# postfix_queue_dirs DIR: the queue directories as post-install creates them, and the
# quick-start flag that lets "postfix start" skip its integrity checks (postfix check and
# set-permissions took ~10 s of a run scanning the system's Postfix files)
postfix_queue_dirs() {
  local pf=$1 d
  for d in active bounce corrupt defer deferred flush hold incoming private saved trace; do
    install -d -o postfix -g root -m 700 "$pf/spool/$d"
  done
  install -d -o postfix -g postdrop -m 730 "$pf/spool/maildrop"
  install -d -o postfix -g postdrop -m 710 "$pf/spool/public"
  install -d -o root -g root -m 755 "$pf/spool/pid"
  touch "$pf/spool/quick-start"
}
