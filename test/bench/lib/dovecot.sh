# A throwaway Dovecot under $BENCH_WORK/dovecot (never /etc/dovecot), loopback only, serving
# one Maildir for one user "bench" with password "bench".
# dovecot_setup MAILDIR IMAP_PORT POP3_PORT
DV=$BENCH_WORK/dovecot
dovecot_setup() {
  local maildir=$1 imap=$2 pop3=$3 owner
  owner=$(stat -c %U "$maildir")
  rm -rf "$DV"; mkdir -p "$DV/run" "$DV/state"
  echo "bench:{PLAIN}bench:$(id -u "$owner"):$(id -g "$owner")::$maildir" >"$DV/passwd"
  cat >"$DV/dovecot.conf" <<CF
base_dir = $DV/run
state_dir = $DV/state
instance_name = posta-bench-$$
protocols = imap pop3
listen = 127.0.0.1
log_path = $DV/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
passdb {
  driver = passwd-file
  args = $DV/passwd
}
userdb {
  driver = passwd-file
  args = $DV/passwd
}
mail_location = maildir:$maildir
mail_fsync = always
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $imap
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = $pop3
  }
  inet_listener pop3s {
    port = 0
  }
}
service anvil {
  chroot =
}
service stats {
  inet_listener http {
    port = 0
  }
}
pop3_uidl_format = %08Xu%08Xv
CF
  dovecot -c "$DV/dovecot.conf" || return 1
  wait_port 127.0.0.1 "$imap"
}
dovecot_stop() {
  [ -f "$DV/dovecot.conf" ] && doveadm -c "$DV/dovecot.conf" stop >/dev/null 2>&1
  pkill -9 -f "$DV/" 2>/dev/null
  true
}
dovecot_pids() { cat "$DV/run/master.pid" 2>/dev/null; }
