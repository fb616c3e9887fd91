# posta-auth: the cost of one successful check apart from the deliberate hash, with the user
# in a 100,000-user database (posta column) and in a 1-user database (peer column), same
# yescrypt hash: the difference is what the lookup in a big database costs. The figure is
# measured inside posta-auth (POSTA_AUTH_TIMING: environment open + lookups + bookkeeping +
# close, minus crypt(3)); the whole process and the hash are reported as extra figures.
# Setup builds the 100,000-user database with posta-user import and times it, and times a
# 10,000-user import with Maildirs (extra figures; 2,000 and 50 with BENCH_SCALE=small).
. "$(dirname "$0")/../lib/common.sh"
N=$(scale 5 21)            # checks per side and round
USERS=$(scale 2000 100000)
WITH_MAILDIRS=$(scale 50 10000)  # users of the timed import that creates Maildirs
BIG=$BENCH_WORK/auth-big SMALL=$BENCH_WORK/auth-small
# tsv COUNT PREFIX HASH: posta-user import lines
tsv() { seq -f "$2%06g" 1 "$1" | awk -v h="$3" '{printf "%s@bench.test\t%s\t1\t0\t0\t\t\t0\t0\t0\n", $1, h}'; }
# new_home DIR: a home with domain bench.test and bench@bench.test (password "bench-pw")
new_home() {
  mkdir -p "$1"
  [ "$(id -u)" = 0 ] && chown posta:posta "$1"   # as posta-setup does: never a root-owned home
  "$POSTA_BIN/posta-domain" --home "$1" add bench.test >/dev/null 2>&1 &&
    echo bench-pw | "$POSTA_BIN/posta-user" --home "$1" add bench@bench.test --password-stdin >/dev/null 2>&1
}
# timed_import HOME ARGS... < TSV: prints the seconds
timed_import() {
  local home=$1 t0; shift
  t0=$(date +%s.%N)
  "$POSTA_BIN/posta-user" --home "$home" import "$@" >/dev/null || return 1
  elapsed_since "$t0"
}
setup() {
  rm -rf "$BIG" "$SMALL" "$BENCH_WORK/auth-10k"
  new_home "$SMALL" && new_home "$BIG" && new_home "$BENCH_WORK/auth-10k" || return 1
  local hash s
  hash=$("$POSTA_BIN/posta-user" --home "$BIG" export | awk -F'\t' '$1 == "bench@bench.test" {print $2}')
  [ -n "$hash" ] || return 1
  tsv $((USERS / 2)) a "$hash" >"$BENCH_WORK/auth-a.tsv"
  tsv $((USERS / 2 - 1)) z "$hash" >"$BENCH_WORK/auth-z.tsv"
  # the user checked sits in the middle of the key space, the users before and after it
  s=$(cat "$BENCH_WORK/auth-a.tsv" "$BENCH_WORK/auth-z.tsv" | timed_import "$BIG" --no-maildir --batch 1000) || return 1
  echo "figure: import_${USERS}_users_no_maildir $s s" >&2
  [ "$("$POSTA_BIN/posta-user" --home "$BIG" list | wc -l)" -ge "$USERS" ] || { echo "import incomplete" >&2; return 1; }
  s=$(tsv "$WITH_MAILDIRS" m "$hash" | timed_import "$BENCH_WORK/auth-10k") || return 1
  echo "figure: import_${WITH_MAILDIRS}_users_with_maildirs $s s" >&2
  rm -rf "$BENCH_WORK/auth-10k" "$BENCH_WORK"/auth-?.tsv
}
# checks HOME: N successful checks; prints "overhead_us hash_us wall_s lookup_us" medians
checks() {
  local i t0 log=$BENCH_WORK/auth.log
  : >"$BENCH_WORK/auth.t"
  : >"$BENCH_WORK/auth.rss"
  for i in $(seq 1 "$N"); do
    t0=$(date +%s.%N)
    printf 'bench@bench.test\0bench-pw\0\0' |
      POSTA_HOME=$1 POSTA_AUTH_TIMING=1 "$POSTA_BIN/posta-auth" /bin/true 3<&0 2>"$log" || { cat "$log" >&2; return 1; }
    sed -n "s/.*timing:.*check_us=\([0-9]*\) hash_us=\([0-9]*\).*overhead_us=\([0-9-]*\).*/\3 \2 $(elapsed_since "$t0") \1/p" "$log" >>"$BENCH_WORK/auth.t"
    sed -n 's/.*timing:.* maxrss_kb=\([0-9]*\).*/\1/p' "$log" >>"$BENCH_WORK/auth.rss"
  done
  [ "$(wc -l <"$BENCH_WORK/auth.t")" = "$N" ] || { echo "no timing line from posta-auth" >&2; return 1; }
  awk '{$4 = $4 - $2} 1' "$BENCH_WORK/auth.t" >"$BENCH_WORK/auth.t2"   # column 4: lookups = check - hash
  local c m; for c in 1 2 3 4; do
    m=$(awk -v c=$c '{print $c}' "$BENCH_WORK/auth.t2" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    printf '%s ' "$m"
  done
}
side() {
  local r; r=$(checks "$1") || return 1
  set -- $r
  echo "figure: auth_lookup_minus_hash $4 us" >&2
  echo "figure: auth_hash $2 us" >&2
  awk -v w="$3" -v h="$2" 'BEGIN {printf "figure: auth_process_minus_hash %.2f ms\n", w * 1000 - h / 1000}' >&2
  echo "$1 us $(sort -n "$BENCH_WORK/auth.rss" | tail -1)"  # peak: posta-auth's largest RSS
}
case $1 in
  check) [ -x "$POSTA_BIN/posta-auth" ] && [ -x "$POSTA_BIN/posta-user" ] ;;
  setup) setup ;;
  posta) side "$BIG" ;;
  peer) side "$SMALL" ;;
  teardown) rm -rf "$BIG" "$SMALL" "$BENCH_WORK/auth-10k" ;;
esac
