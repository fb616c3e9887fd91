# A throwaway rspamd under $BENCH_WORK/rspamd: Debian's /etc/rspamd as the base
# configuration, with $RS as LOCAL_CONFDIR (its local.d overrides), DBDIR, RUNDIR and
# LOGDIR, workers on loopback. Bayes needs redis in rspamd 3 (its sqlite backend is gone):
# a redis-server of its own on loopback, without persistence, named only in the classifier
# (so none of the other redis modules - neural, greylisting, ratelimit, reputation,
# replies - turns on). No network test: the modules that query DNS or other hosts (rbl,
# which has the URI and email lists too, surbl, fuzzy_check, dkim, spf, dmarc, arc, asn,
# dcc, the DNS checks of hfilter) are off, and the resolver is a dnsmasq of its own on
# loopback that answers every question NXDOMAIN at once (what is left: the reverse lookup of
# the client address, which rspamc does not give a name for, and the maps rspamd would
# download), so nothing leaves the machine and nothing waits for a timeout: rspamd runs on
# its packaged maps. The hyperscan cache lives in the bench cache directory (outside the
# tree), as it would on a server that has run before: without it, a start compiles the
# public-suffix list for minutes on a busy 2-core machine. A small run (a smoke test in
# make test) gives rspamd a public-suffix list of a few names instead, so that its first
# start on a fresh machine takes seconds.
# rspamd_setup NORMAL_PORT CONTROLLER_PORT REDIS_PORT WORKERS; rspamd_start; rspamd_pids;
# rspamd_stop. rspamd_learn spam|ham DIR...: rspamc learn through the controller.
RS=$BENCH_WORK/rspamd
RS_HS_CACHE=${POSTA_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/posta-bench}/rspamd-hs
rspamd_user() { if [ "$(id -u)" = 0 ]; then echo _rspamd; else id -un; fi; }
rspamd_setup() {
  local normal=$1 controller=$2 redis=$3 workers=$4 dns
  dns=$(free_port)
  rm -rf "$RS"; mkdir -p "$RS/local.d" "$RS/db" "$RS/run" "$RS/log" "$RS/redis" "$RS/dns" "$RS_HS_CACHE"
  echo "$normal $controller $redis $dns" >"$RS/ports"
  local m
  for m in rbl surbl fuzzy_check dkim spf dmarc arc asn dcc emails mx_check rspamd_update; do
    echo "enabled = false;" >"$RS/local.d/$m.conf"
  done
  cat >"$RS/local.d/hfilter.conf" <<CF
helo_enabled = false;
hostname_enabled = false;
from_enabled = false;
CF
  cat >"$RS/local.d/options.inc" <<CF
dns {
  nameserver = ["127.0.0.1:$dns"];
}
hs_cache_dir = "$RS_HS_CACHE";
CF
  if [ "${BENCH_SCALE:-full}" = small ]; then
    printf '%s\n' com net org edu gov mil int info biz us uk co.uk de fr nl it es ru cn jp ca au br >"$RS/tld.dat"
    echo "url_tld = \"$RS/tld.dat\";" >>"$RS/local.d/options.inc"
  fi
  cat >"$RS/local.d/logging.inc" <<CF
type = "file";
filename = "$RS/log/rspamd.log";
CF
  cat >"$RS/local.d/worker-normal.inc" <<CF
bind_socket = "127.0.0.1:$normal";
count = $workers;
CF
  cat >"$RS/local.d/worker-controller.inc" <<CF
bind_socket = "127.0.0.1:$controller";
count = 1;
CF
  echo "enabled = false;" >"$RS/local.d/worker-proxy.inc"
  cat >"$RS/local.d/classifier-bayes.conf" <<CF
servers = "127.0.0.1:$redis";
autolearn = false;
CF
  # the bayes learn_condition refuses to learn a message already classified with
  # confidence; a corpus is learnt in full, as sa-learn and posta-spamcheck learn do
  echo 'learn_condition = "return function() return true end";' >>"$RS/local.d/classifier-bayes.conf"
  [ "$(id -u)" = 0 ] && chown -R "$(rspamd_user)" "$RS" "$RS_HS_CACHE"
  true
}
rspamd_start() {
  local normal controller redis dns i=0
  read -r normal controller redis dns <"$RS/ports"
  start_bg rspamd-dns /usr/sbin/dnsmasq --keep-in-foreground --no-resolv --no-hosts --port "$dns" \
    --listen-address 127.0.0.1 --bind-interfaces --local=/#/ --pid-file="$RS/dns/pid" \
    --log-facility="$RS/dns/log"
  until [ -s "$RS/dns/pid" ]; do
    i=$((i + 1)); [ $i -lt 200 ] && alive "$(cat "$BENCH_WORK/rspamd-dns.pid")" || {
      cat "$BENCH_WORK/rspamd-dns.log" >&2; return 1; }
    sleep 0.05
  done
  start_bg rspamd-redis redis-server --bind 127.0.0.1 --port "$redis" --save '' --appendonly no \
    --dir "$RS/redis" --daemonize no --logfile "$RS/redis/redis.log"
  wait_port 127.0.0.1 "$redis" || { cat "$RS/redis/redis.log" >&2; return 1; }
  start_bg rspamd rspamd -f -c /etc/rspamd/rspamd.conf -u "$(rspamd_user)" -g "$(id -gn "$(rspamd_user)")" \
    --var="LOCAL_CONFDIR=$RS" --var="DBDIR=$RS/db" --var="RUNDIR=$RS/run" --var="LOGDIR=$RS/log"
  i=0
  until (exec 9<>"/dev/tcp/127.0.0.1/$normal") 2>/dev/null && (exec 9<>"/dev/tcp/127.0.0.1/$controller") 2>/dev/null; do
    alive "$(cat "$BENCH_WORK/rspamd.pid")" || { tail -20 "$RS/log/rspamd.log" "$BENCH_WORK/rspamd.log" >&2; return 1; }
    i=$((i + 1)); [ $i -lt 1200 ] || { echo "rspamd did not listen within 120 s" >&2; return 1; }
    sleep 0.1
  done
}
rspamd_learn() {
  local kind=$1 controller; shift
  read -r _ controller _ _ <"$RS/ports"
  rspamc -h "127.0.0.1:$controller" -t 120 -n "$(nproc)" "learn_$kind" "$@" >"$RS/learn-$kind.out" 2>&1 || {
    tail -5 "$RS/learn-$kind.out" >&2; return 1; }
}
rspamd_pids() { cat "$BENCH_WORK/rspamd.pid" "$BENCH_WORK/rspamd-redis.pid" 2>/dev/null | tr '\n' ' '; }
# rspamd_stop: all three told at once (rspamd waits for its workers), then waited for
rspamd_stop() {
  local n pids=()
  for n in rspamd rspamd-redis rspamd-dns; do
    [ -f "$BENCH_WORK/$n.pid" ] && pids+=("$(cat "$BENCH_WORK/$n.pid")") && rm -f "$BENCH_WORK/$n.pid"
  done
  [ ${#pids[@]} = 0 ] && return 0
  kill "${pids[@]}" 2>/dev/null
  wait_gone 10 "${pids[@]}"
  kill -9 "${pids[@]}" 2>/dev/null
  true
}
