# A throwaway Dovecot under $BENCH_WORK/dovecot (never /etc/dovecot), loopback only, serving
# one Maildir for one user "bench" with password "bench".
DV=${DV:-$BENCH_WORK/dovecot}
# The configuration both shapes share: the one user of $DV/passwd, and the services that
# would want root or a port.
dovecot_conf_users() {
  printf 'passdb {\n  driver = passwd-file\n  args = %s/passwd\n}\n' "$DV"
  printf 'userdb {\n  driver = passwd-file\n  args = %s/passwd\n}\n' "$DV"
}
dovecot_conf_services() {
  printf 'service anvil {\n  chroot =\n}\nservice stats {\n  inet_listener http {\n    port = 0\n  }\n}\n'
}
# dovecot_setup MAILDIR IMAP_PORT POP3_PORT [IMAPS_PORT]
# With IMAPS_PORT, imaps is served there with a throwaway self-signed certificate.
# DOVECOT_EXTRA: lines appended to dovecot.conf (later settings override earlier ones);
# DV may be set to another directory to run a second instance.
# DOVECOT_PASSWORD: the passdb entry (default {PLAIN}bench); login-heavy workloads pass
# posta's own hash as {CRYPT}<hash>, so both servers pay the same password hashing.
dovecot_setup() {
  local maildir=$1 imap=$2 pop3=$3 imaps=${4:-0} owner ssl=no
  owner=$(stat -c %U "$maildir")
  rm -rf "$DV"; mkdir -p "$DV/run" "$DV/state"
  if [ "$imaps" != 0 ]; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
      -keyout "$DV/key.pem" -out "$DV/cert.pem" >/dev/null 2>&1 || return 1
    ssl="yes
ssl_cert = <$DV/cert.pem
ssl_key = <$DV/key.pem"
  fi
  echo "bench:${DOVECOT_PASSWORD:-"{PLAIN}bench"}:$(id -u "$owner"):$(id -g "$owner")::$maildir" >"$DV/passwd"
  cat >"$DV/dovecot.conf" <<CF
base_dir = $DV/run
state_dir = $DV/state
instance_name = posta-bench-$$
protocols = imap pop3
listen = 127.0.0.1
log_path = $DV/dovecot.log
ssl = $ssl
disable_plaintext_auth = no
default_process_limit = 1000
protocol imap {
  mail_max_userip_connections = 1000
}
auth_mechanisms = plain
$(dovecot_conf_users)
mail_location = maildir:$maildir
mail_fsync = always
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $imap
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $imaps
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
$(dovecot_conf_services)
pop3_uidl_format = %08Xu%08Xv
${DOVECOT_EXTRA:-}
CF
  dovecot -c "$DV/dovecot.conf" || return 1
  wait_port 127.0.0.1 "$imap"
}
# dovecot_lda_setup HOME SCRIPT: a Dovecot master with no listening protocol (dovecot-lda
# looks its user up through the master's auth-userdb socket, as it does under Postfix), one
# user "bench" owning HOME with its Maildir in HOME/Maildir, and Pigeonhole's sieve plugin
# for dovecot-lda running SCRIPT (compiled by sievec beforehand, as an admin would).
# Deliver with: dovecot_lda SENDER <message
dovecot_lda_setup() {
  local home=$1 script=$2 owner
  owner=$(stat -c %U "$home")
  rm -rf "$DV"; mkdir -p "$DV/run" "$DV/state" "$DV/sieve"
  cp "$script" "$DV/sieve/active.sieve"
  echo "bench::$(id -u "$owner"):$(id -g "$owner")::$home" >"$DV/passwd"
  cat >"$DV/dovecot.conf" <<CF
base_dir = $DV/run
state_dir = $DV/state
instance_name = posta-bench-lda-$$
protocols = none
listen = 127.0.0.1
log_path = $DV/dovecot.log
ssl = no
$(dovecot_conf_users)
mail_location = maildir:$home/Maildir
mail_fsync = always
protocol lda {
  mail_plugins = sieve
}
plugin {
  sieve = file:$DV/sieve;active=$DV/sieve/active.sieve
}
$(dovecot_conf_services)
CF
  sievec -c "$DV/dovecot.conf" "$DV/sieve/active.sieve" || return 1
  dovecot -c "$DV/dovecot.conf" || return 1
  local i=0
  until [ -S "$DV/run/auth-userdb" ]; do
    i=$((i + 1)); [ $i -gt 100 ] && return 1
    sleep 0.05
  done
}
dovecot_lda() { /usr/lib/dovecot/dovecot-lda -c "$DV/dovecot.conf" -d bench -f "$1"; }
# dovecot_stop: the master and its children, killed (doveadm stop waits seconds for the
# master to be reaped; nothing of this throwaway instance needs a clean shutdown)
dovecot_stop() {
  local m kids
  m=$(dovecot_pids)
  if [ -n "$m" ]; then
    kids=$(pgrep -P "$m")
    kill -9 "$m" $kids 2>/dev/null
    wait_gone 5 "$m" $kids
  fi
  pkill -9 -f "$DV/" 2>/dev/null
  true
}
dovecot_pids() { cat "$DV/run/master.pid" 2>/dev/null; }
# posta_password_hash: the yescrypt hash of user1..user20@bench.test in the posta instance ($PH)
posta_password_hash() {
  "$POSTA_BIN/posta-user" --home "$PH" export | awk -F'\t' '$1 == "user1@bench.test" {print $2}'
}
# dovecot_imap_port: the port of the running throwaway Dovecot's imap listener
dovecot_imap_port() { sed -n '/inet_listener imap {/,/}/s/ *port = //p' "$DV/dovecot.conf"; }
# dovecot_serve_settled MAILDIR: the maildir made settled (posta may trust its caches) and
# owned by the posta instance's user, then served by a throwaway Dovecot too
dovecot_serve_settled() {
  touch -d '-1 min' "$1/new" "$1/cur"
  chown -R "$(stat -c %U "$PH")" "$1"
  dovecot_setup "$1" "$(free_port)" "$(free_port)"
}
# setup_figures: figure lines of a first (cache-building) run, marked as setup figures
setup_figures() { sed 's/^figure: /&setup /' >&2; }
