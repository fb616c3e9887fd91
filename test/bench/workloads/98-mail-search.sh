# posta-mail search of a word across 100 users x 2,000 messages (small: 4 x 500), generated
# here (never in make test). The column's figure is a body search through the full-text
# indexes (lib/fts, built in setup by posta-mail index, reported as index_build); extra
# figures: the same search again (page cache warm), the body search without the indexes
# (every message read), a header search with a cold header cache and with a warm one, and
# the load average when the body search began. No peer: doveadm search needs a Dovecot
# instance over the same Maildirs, which this workload does not set up.
. "$(dirname "$0")/../lib/common.sh"
USERS=$(scale 4 100)
PER_USER=$(scale 500 2000)
HOME_DIR=$BENCH_WORK/mail-search

setup() {
  accounts_home "$HOME_DIR" "$USERS" %03g || return 1
  local gen=($PY "$BENCH_LIB/mail_search_instance.py" "$HOME_DIR" "$USERS" "$PER_USER")
  if [ "$(id -u)" = 0 ]; then setpriv --reuid=posta --regid=posta --clear-groups "${gen[@]}" || return 1
  else "${gen[@]}" || return 1; fi
  echo "figure: messages $((USERS * PER_USER))" >&2
  # as root, posta-mail becomes the mail store owner itself
  /usr/bin/time -f '%e' -o "$BENCH_WORK/mail-search.index" "$POSTA_BIN/posta-mail" --home "$HOME_DIR" index --all \
    >/dev/null 2>&1 || return 1
  echo "figure: index_build $(cat "$BENCH_WORK/mail-search.index") s ($(du -sck "$HOME_DIR"/mail/*/*/posta-fts | tail -1 | cut -f1) KB)" >&2
}
# indexes_aside on|off: the full-text indexes moved out of the searches' way, and back
indexes_aside() {
  local d
  if [ "$1" = on ]; then
    for d in "$HOME_DIR"/mail/*/*/posta-fts; do mv "$d" "$d.aside"; done
  else
    for d in "$HOME_DIR"/mail/*/*/posta-fts.aside; do mv "$d" "${d%.aside}"; done
  fi
}

# timed NAME QUERY: one search of every user; "figure: NAME S s"; LAST = seconds, KB = peak
timed() {
  /usr/bin/time -f '%e %M' -o "$BENCH_WORK/mail-search.time" \
    "$POSTA_BIN/posta-mail" --home "$HOME_DIR" search --all "$2" >"$BENCH_WORK/mail-search.out" 2>/dev/null
  read -r LAST KB <"$BENCH_WORK/mail-search.time"
  echo "figure: $1 $LAST s ($(wc -l <"$BENCH_WORK/mail-search.out") found)" >&2
}

posta_side() {
  echo "figure: loadavg_at_start $(cut -d' ' -f1-3 /proc/loadavg)" >&2
  timed body_search 'quokka' || return 1
  local body=$LAST peak=$KB
  timed body_search_again 'quokka'
  indexes_aside on
  timed body_search_scan 'quokka'
  indexes_aside off
  find "$HOME_DIR/mail" -name posta-headers.cache -delete
  timed header_search_cold 'from:sender13@example.org'
  timed header_search_warm 'from:sender13@example.org'
  echo "$body s $peak"
}

case $1 in
  check) [ -x "$POSTA_BIN/posta-mail" ] ;;
  setup) setup ;;
  posta) posta_side ;;
  peer) echo "skipped no peer (doveadm search needs a Dovecot instance)" ;;
  teardown) rm -rf "$HOME_DIR" ;;
esac
