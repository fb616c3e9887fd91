# A throwaway SpamAssassin under $BENCH_WORK/sa (never /etc/spamassassin's local.cf nor a
# home directory's ~/.spamassassin): the Debian package's rules (/usr/share/spamassassin,
# not whatever sa-update left in /var/lib), the plugin loads of /etc/spamassassin/*.pre,
# and a local.cf of its own: Bayes on, in $SA/bayes, no auto-learning, no network test of
# any kind (no DNS, no RBL, no Razor/Pyzor/DCC). spamd listens on loopback.
# sa_setup: the configuration; sa_learn spam|ham FILE...: sa-learn into the Bayes database;
# sa_start PORT CHILDREN: spamd with CHILDREN children (pid in $BENCH_WORK/spamd.pid);
# sa_pids: spamd's processes; sa_stop.
SA=$BENCH_WORK/sa
SA_RULES=/usr/share/spamassassin
# the user spamd runs as: it refuses to run as root (and would fall back to nobody)
sa_user() { if [ "$(id -u)" = 0 ]; then echo nobody; else id -un; fi; }
sa_setup() {
  rm -rf "$SA"; mkdir -p "$SA/site" "$SA/bayes" "$SA/home"
  cp /etc/spamassassin/*.pre "$SA/site/" || return 1
  cat >"$SA/site/local.cf" <<CF
use_bayes 1
use_bayes_rules 1
bayes_path $SA/bayes/bayes
bayes_file_mode 0770
bayes_auto_learn 0
bayes_auto_expire 0
bayes_learn_to_journal 0
skip_rbl_checks 1
dns_available no
use_razor2 0
use_pyzor 0
use_dcc 0
CF
  [ "$(id -u)" = 0 ] && chown -R "$(sa_user)" "$SA"
  true
}
# sa_learn spam|ham FILE|DIR...: learnt into the Bayes database (local tests only). sa-learn
# runs as the caller, who can read the corpus (in the caller's cache directory); spamd's
# user gets the database afterwards.
sa_learn() {
  local kind=$1; shift
  HOME=$SA/home sa-learn --siteconfigpath="$SA/site" --configpath="$SA_RULES" -L "--$kind" "$@" >&2 || return 1
  [ "$(id -u)" = 0 ] && chown -R "$(sa_user)" "$SA"
  true
}
sa_start() {
  local port=$1 children=$2
  # spamd forks its children before it listens; the parent's pid is the one to stop
  start_bg spamd spamd --siteconfigpath="$SA/site" --configpath="$SA_RULES" -L -x \
    -u "$(sa_user)" -i "127.0.0.1:$port" -A 127.0.0.1 \
    --min-children="$children" --max-children="$children" --min-spare=1 --max-spare="$children" \
    -s "$SA/spamd.log" -r "$SA/spamd.pidfile"
  # loading the rules takes seconds (tens of seconds on a busy machine)
  local i=0
  until (exec 9<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    alive "$(cat "$BENCH_WORK/spamd.pid")" || { tail -5 "$SA/spamd.log" "$BENCH_WORK/spamd.log" >&2; return 1; }
    i=$((i + 1)); [ $i -lt 1200 ] || { echo "spamd did not listen within 120 s" >&2; return 1; }
    sleep 0.1
  done
}
sa_pids() { cat "$BENCH_WORK/spamd.pid" 2>/dev/null; }
sa_stop() { stop_bg spamd; }
