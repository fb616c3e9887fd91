# posta-backup against restic (the peer column) and borg (extra figures), encryption on for
# all, zstd for all (restic 0.14 repository v2 with --compression auto, borg zstd,3,
# posta-backup zstd 3), repositories in the work directory, on the same generated instance:
# 10,000 messages / about 100 MB across 20 users plus the accounts databases (small: 600
# messages, 4 users). Each side, each round, starts from a fresh copy of the instance and an
# empty repository, then times: the first backup (the column's figure), an unchanged re-run,
# a re-run after 1% new mail and flag changes on 10% of the messages, the restore of one
# user, and reports the repository size, the CPU time of the first backup and the peak
# memory of all its commands (the column's KB).
. "$(dirname "$0")/../lib/common.sh"
USERS=$(scale 4 20)
MESSAGES=$(scale 600 10000)
SRC=$BENCH_WORK/backup-src        # the pristine instance
COPY=$BENCH_WORK/backup-home      # the copy a side works on
PASS=$BENCH_WORK/backup-pass
GEN=$BENCH_LIB/backup_instance.py

setup() {
  accounts_home "$SRC" "$USERS" %02g || return 1
  mkdir -p "$SRC/control" && echo bench.test >"$SRC/control/me"
  $PY "$GEN" make "$SRC" "$USERS" "$MESSAGES" || return 1
  echo "bench-passphrase" >"$PASS"
  echo "figure: instance_bytes $(du -sb "$SRC" | cut -f1) B" >&2
}

# timed NAME FUNCTION: runs FUNCTION (exported, in a bash of its own so that /usr/bin/time
# sees it and its children), adds its peak RSS to the side's peaks, prints "figure: NAME S s"
timed() {
  local name=$1; shift
  /usr/bin/time -f '%e %U %S %M' -o "$BENCH_WORK/backup.time" bash -c "$1" >/dev/null 2>"$BENCH_WORK/backup.cmd.err" ||
    { cat "$BENCH_WORK/backup.cmd.err" >&2; return 1; }
  read -r wall user sys kb <"$BENCH_WORK/backup.time"
  echo "$kb" >>"$BENCH_WORK/backup.peaks"
  echo "figure: $name $wall s" >&2
  [ "$name" = "${PREFIX}first_backup" ] && awk -v u="$user" -v s="$sys" -v n="$PREFIX" 'BEGIN {printf "figure: %sfirst_backup_cpu %.2f s\n", n, u + s}' >&2
  LAST=$wall
}

fresh_copy() {
  rm -rf "$COPY" "$BENCH_WORK/backup-repo" "$BENCH_WORK/backup-restore"
  cp -a "$SRC" "$COPY"
  # posta-backup started by root works as the instance's owner: its directories are the owner's
  mkdir -p "$BENCH_WORK/backup-repo" "$BENCH_WORK/backup-restore"
  chown --reference="$COPY" "$BENCH_WORK/backup-repo" "$BENCH_WORK/backup-restore"
  : >"$BENCH_WORK/backup.peaks"
}

# side_run INIT BACKUP RESTORE: the sequence every tool goes through; the first backup's
# seconds, then "s" and the peak KB
side_run() {
  local init=$1 backup=$2 restore=$3 first
  fresh_copy
  $init || return 1
  timed "${PREFIX}first_backup" $backup || return 1
  first=$LAST
  timed "${PREFIX}unchanged_rerun" $backup || return 1
  $PY "$GEN" change "$COPY" 1 10 || return 1
  timed "${PREFIX}rerun_1pct_new_10pct_flags" $backup || return 1
  timed "${PREFIX}restore_one_user" $restore || return 1
  echo "figure: ${PREFIX}repository_bytes $(du -sb "$BENCH_WORK/backup-repo" | cut -f1) B" >&2
  echo "$first s $(sort -n "$BENCH_WORK/backup.peaks" | tail -1)"
}

posta_init() { POSTA_BACKUP_PASSPHRASE_FILE=$PASS "$POSTA_BIN/posta-backup" --home "$COPY" --repo "$BENCH_WORK/backup-repo" init 2>/dev/null; }
posta_backup() { POSTA_BACKUP_PASSPHRASE_FILE=$PASS "$POSTA_BIN/posta-backup" --home "$COPY" --repo "$BENCH_WORK/backup-repo" run; }
posta_restore() {
  POSTA_BACKUP_PASSPHRASE_FILE=$PASS "$POSTA_BIN/posta-backup" --home "$COPY" --repo "$BENCH_WORK/backup-repo" \
    restore --to "$BENCH_WORK/backup-restore/out" --user user01@bench.test
}

export RESTIC_PASSWORD_FILE=$PASS RESTIC_CACHE_DIR=$BENCH_WORK/restic-cache
restic_init() { restic -q -r "$BENCH_WORK/backup-repo" init >/dev/null 2>&1; }
restic_backup() { restic -q -r "$BENCH_WORK/backup-repo" backup --compression auto "$COPY"; }
restic_restore() {
  restic -q -r "$BENCH_WORK/backup-repo" restore latest --target "$BENCH_WORK/backup-restore" \
    --include "$COPY/mail/bench.test/user01"
}

export BORG_PASSPHRASE=bench-passphrase BORG_BASE_DIR=$BENCH_WORK/borg-base BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK=yes
borg_init() { borg init -e repokey-blake2 "$BENCH_WORK/backup-repo" >/dev/null 2>&1; }
borg_backup() { borg create --compression zstd,3 "$BENCH_WORK/backup-repo::{now:%Y%m%dT%H%M%S.%f}" "$COPY"; }
borg_restore() {
  (cd "$BENCH_WORK/backup-restore" &&
    borg extract "$BENCH_WORK/backup-repo::$(borg list --last 1 --short "$BENCH_WORK/backup-repo")" "${COPY#/}/mail/bench.test/user01")
}

export -f posta_backup posta_restore restic_backup restic_restore borg_backup borg_restore
export COPY PASS POSTA_BIN BENCH_WORK
case $1 in
  check) [ -x "$POSTA_BIN/posta-backup" ] && command -v restic >/dev/null && command -v borg >/dev/null ;;
  setup) setup ;;
  posta) PREFIX= side_run posta_init posta_backup posta_restore ;;
  peer)
    PREFIX=borg_ out=$(side_run borg_init borg_backup borg_restore) || exit 1
    echo "figure: borg_peak_kb ${out##* } KB" >&2
    PREFIX=restic_ side_run restic_init restic_backup restic_restore ;;
  teardown) rm -rf "$SRC" "$COPY" "$BENCH_WORK/backup-repo" "$BENCH_WORK/backup-restore" "$BENCH_WORK"/restic-cache "$BENCH_WORK"/borg-base "$PASS" ;;
esac
