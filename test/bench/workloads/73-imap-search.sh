# UID SEARCH BODY on a 100,000-message folder (BENCH_SCALE=small: 1,000), messages of about
# 1.5 KB with one in 1,000 holding the word searched: posta-imapd with its full-text index
# (lib/fts, built by posta-mail index beforehand) vs Dovecot without FTS (its default), in
# ms. Extra figures: posta's index build (s), posta without the index (a scan), a substring,
# a TEXT search every message matches (the index rules nothing out, the scan confirms all);
# in a full run, Dovecot with fts-xapian (Debian's dovecot-fts-xapian) when installed: its
# index build (doveadm index) and the same search, measured once in setup.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/posta.sh"
. "$(dirname "$0")/../lib/dovecot.sh"
# IMAP_SEARCH_N: another folder size; IMAP_SEARCH_XAPIAN=0 leaves fts-xapian out, =1 takes it
# into a small run (it indexed 55-70 messages a second here: 100,000 take over 20 minutes)
N=${IMAP_SEARCH_N:-$(scale 1000 100000)}
XAPIAN_PLUGIN=/usr/lib/dovecot/modules/lib21_fts_xapian_plugin.so
# search PORT USER LABEL KEY...: each "UID SEARCH <key>" once, timed; prints the first's ms
search() {
  PYTHONPATH=$BENCH_LIB $PY - "$@" <<'PY'
import sys
from imap_client import Client
port, user, label, keys = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
c = Client(port)
c.cmd('LOGIN "%s" bench' % user)
c.cmd("SELECT INBOX")
first = None
for k in keys:
    ms, out = c.timed("UID SEARCH " + k)
    found = out.split(b"* SEARCH", 1)[1].split(b"\r\n", 1)[0].split() if b"* SEARCH" in out else []
    sys.stderr.write("figure: %s %s %.1f ms (%d found)\n" % (label, k.replace(" ", "_").lower(), ms, len(found)))
    first = ms if first is None else first
c.cmd("LOGOUT")
print("%.1f" % first)
PY
}
dovecot_port() { sed -n '/inet_listener imap {/,/}/s/ *port = //p' "$DV/dovecot.conf"; }
# Dovecot with fts-xapian over the same Maildir (its own index directory), once: index build
# and search figures, then stopped
xapian_peer() {
  [ -f "$XAPIAN_PLUGIN" ] || { echo "figure: dovecot_fts_xapian not measured (dovecot-fts-xapian not installed)" >&2; return 0; }
  [ "${IMAP_SEARCH_XAPIAN:-$(scale 0 1)}" = 1 ] || return 0
  local md=$1 t0
  (
    DV=$BENCH_WORK/dovecot-xapian
    local index=$BENCH_WORK/dovecot-xapian-index  # dovecot_setup starts DV afresh
    mkdir -p "$index" && chown "$(stat -c %U "$md")" "$index"
    DOVECOT_EXTRA="mail_location = maildir:$md:INDEX=$index
mail_plugins = \$mail_plugins fts fts_xapian
plugin {
  fts = xapian
  fts_xapian = partial=3 full=20 verbose=0
  fts_autoindex = no
  fts_enforced = yes
}
service indexer-worker {
  vsz_limit = 2G
}" dovecot_setup "$md" "$(free_port)" "$(free_port)" || exit 1
    t0=$(date +%s.%N)
    doveadm -c "$DV/dovecot.conf" index -u bench INBOX || exit 1
    echo "figure: dovecot_fts_xapian_index_build $(echo "$(date +%s.%N) - $t0" | bc) s" >&2
    search "$(dovecot_port)" bench dovecot_fts_xapian "BODY quokka" "BODY quokka" >/dev/null
    dovecot_stop
  )
}
case $1 in
  check) [ -x "$POSTA_BIN/posta-imapd" ] && [ -x "$POSTA_BIN/posta-mail" ] && command -v dovecot ;;
  setup)
    posta_bench_setup || exit 1
    md=$PH/mail/bench.test/user8
    $PY "$BENCH_LIB/mail_search_instance.py" --maildir "$md" "$N" user8@bench.test || exit 1
    touch -d '-1 min' "$md/new" "$md/cur"  # a settled folder: the folder cache may be trusted
    chown -R "$(stat -c %U "$PH")" "$md"
    echo "figure: loadavg_at_start $(cut -d' ' -f1-3 /proc/loadavg)" >&2
    # posta without the index (a scan), then the index built by the admin's catch-up pass
    search "$IMAP_PORT" user8@bench.test posta_scan "BODY quokka" >/dev/null 2>"$BENCH_WORK/scan.fig" || exit 1
    rm -rf "$md/posta-fts"  # what that search's catch-up began
    /usr/bin/time -f '%e' -o "$BENCH_WORK/index.time" "$POSTA_BIN/posta-mail" --home "$PH" index --user user8@bench.test \
      >/dev/null 2>&1 || exit 1
    cat "$BENCH_WORK/scan.fig" >&2
    echo "figure: posta_index_build $(cat "$BENCH_WORK/index.time") s ($(du -sk "$md/posta-fts" | cut -f1) KB)" >&2
    xapian_peer "$md"
    DV=$BENCH_WORK/dovecot dovecot_setup "$md" "$(free_port)" "$(free_port)" || exit 1
    # the first open builds Dovecot's index
    search "$(dovecot_port)" bench dovecot-first "BODY quokka" >/dev/null 2>&1 ;;
  posta) r=$(search "$IMAP_PORT" user8@bench.test posta "BODY quokka" "BODY uokk" "TEXT bench.test") &&
    echo "$r ms $(peak_kb $(posta_pids))" ;;
  peer) r=$(search "$(dovecot_port)" bench dovecot "BODY quokka" "BODY uokk") && echo "$r ms $(peak_kb $(dovecot_pids))" ;;
  teardown) dovecot_stop; posta_bench_stop ;;
esac
