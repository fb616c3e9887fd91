#!/bin/bash
# Accounts benchmarks; prints "name value unit" lines.
#   auth_overhead_100k_users  posta-auth's own cost for one successful check in a 100,000-user
#                             database, without the hash (environment open + lookups +
#                             bookkeeping, measured inside the process), median of N runs
#   auth_hash                 the yescrypt hash itself (median)
#   auth_process_100k_users   wall time of a whole posta-auth /bin/true process (median)
#   import_10k_users          posta-user import of 10,000 users (with Maildirs)
#   import_100k_users_nomaildir  the 100,000-user database build (--no-maildir)
# usage: test/bench/auth.sh [RUNS]   (BUILD=build-x selects the binaries)
set -eu
cd "$(dirname "$0")/../.."
BIN=${POSTA_BIN:-$PWD/${BUILD:-build}/bin}
RUNS=${1:-50}
work=$(mktemp -d /tmp/posta-bench-auth.XXXXXX)
trap 'rm -rf "$work"' EXIT
export POSTA_HOME=$work/inst
mkdir -p "$POSTA_HOME"

median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", b - a}'; }

"$BIN/posta-domain" add bench.test 2>/dev/null
echo 'bench-pw' | "$BIN/posta-user" add seed@bench.test --password-stdin 2>/dev/null
hash=$("$BIN/posta-user" export | awk -F'\t' '$1=="seed@bench.test"{print $2}')

# 10,000 users with Maildirs into a fresh domain
seq -f "i%05g" 0 9999 | awk -v h="$hash" '{printf "%s@bench.test\t%s\t1\t0\t0\t\t\t0\t0\t0\n", $1, h}' >"$work/10k.tsv"
t0=$(now)
"$BIN/posta-user" import <"$work/10k.tsv" 2>/dev/null
t1=$(now)
echo "import_10k_users $(secs "$t0" "$t1") s"

# 100,000 users in the database (Maildirs skipped: this measures the database)
seq -f "u%06g" 0 89999 | awk -v h="$hash" '{printf "%s@bench.test\t%s\t1\t0\t0\t\t\t0\t0\t0\n", $1, h}' >"$work/90k.tsv"
t0=$(now)
"$BIN/posta-user" import --no-maildir --batch 500 <"$work/90k.tsv" 2>/dev/null
t1=$(now)
echo "import_90k_users_nomaildir $(secs "$t0" "$t1") s"
echo "users_in_db $("$BIN/posta-user" list | wc -l) users"

: >"$work/over" ; : >"$work/hash" ; : >"$work/wall"
for i in $(seq 1 "$RUNS"); do
  t0=$(now)
  printf 'u045678@bench.test\0bench-pw\0\0' |
    POSTA_AUTH_TIMING=1 "$BIN/posta-auth" /bin/true 3<&0 2>"$work/log" || { cat "$work/log" >&2; exit 1; }
  t1=$(now)
  awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f\n", (b - a) * 1000}' >>"$work/wall"
  sed -n 's/.*timing:.*hash_us=\([0-9]*\).*overhead_us=\([0-9]*\).*/\1 \2/p' "$work/log" >"$work/t"
  awk '{print $1}' "$work/t" >>"$work/hash"
  awk '{print $2}' "$work/t" >>"$work/over"
done
echo "auth_overhead_100k_users $(median <"$work/over") us"
echo "auth_hash $(median <"$work/hash") us"
echo "auth_process_100k_users $(median <"$work/wall") ms"
