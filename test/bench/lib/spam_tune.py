#!/usr/bin/python3
"""Tuning posta-spamcheck's classifier by cross-validation on the TRAINING split only.

  dump SPLIT OUT        tokens and rule scores of every training message (SPLIT/train/*)
                        through spam_tokens (built here against build/libposta.a) into OUT
  cv OUT [options]      k-fold cross-validation over OUT: each group (easy-ham, hard-ham,
                        spam) is cut into k contiguous blocks in name order (the corpus is
                        in time order, so a held-out block is later or earlier mail, as the
                        evaluation groups are); fold i learns the other blocks and classifies
                        block i with the given classifier parameters and score mapping

The evaluation groups (SPLIT/eval) are never read here: choices made with this tool are then
measured once on the evaluation split by the bench workloads (95-spam-sa, 96-spam-rspamd).
The classifier is the one of lib/spam/bayes.cc (Robinson f(w), Fisher chi-square combining of
the strongest tokens), the score the rules' sum plus the BAYES_nn entry of --table; the
defaults are lib/spam's.

  S=~/.cache/posta-bench/split-*   # made by the bench (lib/spam_corpus.sh)
  test/bench/lib/spam_tune.py dump $S /tmp/train.tsv
  test/bench/lib/spam_tune.py cv /tmp/train.tsv [--scheme half] [--max-disc N] [--table P:S,...]

Figures (2026-12-07, 500 spam and 2625 ham of the training split, 5 contiguous blocks;
"half": learn the first half of each group, classify the second):
  lower-cased words, 150 tokens, BAYES_99 +4 (before)   caught 76.6%, 1 ham flagged (0.04%)
  same, BAYES_99 +5 and the steps below one more        caught 84.4%, 1 ham (0.04%)
  + words with case kept, word pairs (bi:), 300 tokens  caught 88.4%, 2 ham (0.08%)
                                                        half: 68.4%, 0 ham (was 46.8%)
  tried and left out (no gain or more ham flagged): words of every other header field
  (more ham flagged), URL path words, words up to 20 characters, an 8-bit-word token,
  Robinson s 0.1-1.5 and x 0.45-0.6 (s 1, x 0.5 best), minimum strength 0.05-0.4 (0.1),
  50-1000 tokens (300), counts scaled to equal classes (more spam caught, 0.4% of ham
  flagged), learning only on error (noisy, too few messages learned for the minimum).
The evaluation split (make bench, spam-rspamd workload, the same day): see
workloads/96-spam-rspamd.sh.
"""
import argparse
import collections
import math
import os
import subprocess
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../.."))
KINDS = ("easy-ham", "hard-ham", "spam")
# lib/spam/bayes.cc's table: (from probability, score)
DEFAULT_TABLE = "0.999:5,0.99:5,0.95:4,0.80:3,0.60:2,0.40:0,0.20:-0.5,0.05:-1,0.01:-1.5,0:-2"


def dump(args):
    exe = os.path.join(args.build, "spam_tokens")
    src = os.path.join(ROOT, "test/bench/lib/spam_tokens.cc")
    libs = "-levent_openssl -levent -lssl -lcrypto -ldb_cxx -lcrypt -lpthread -lpsl -larchive -lpcre2-8".split()
    os.makedirs(args.build, exist_ok=True)
    lib = os.path.join(ROOT, "build/libposta.a")
    if not os.path.exists(exe) or os.path.getmtime(exe) < max(os.path.getmtime(lib), os.path.getmtime(src)):
        subprocess.run(["g++", "-std=c++2b", "-O2", "-I" + os.path.join(ROOT, "lib"), "-o", exe, src,
                        lib] + libs, check=True)
    with open(args.out, "w") as out:
        for kind in KINDS:
            cur = os.path.join(args.split, "train", kind, "cur")
            files = [os.path.join(cur, f) for f in sorted(os.listdir(cur))]
            for i in range(0, len(files), 500):
                p = subprocess.run([exe, args.rules] + files[i:i + 500], stdout=subprocess.PIPE, check=True)
                for line in p.stdout.decode("utf-8", "replace").splitlines():
                    out.write(kind + "\t" + line + "\n")


def load(path, drop=()):
    """{kind: [(name, rules score, rule names, frozenset of tokens)]} in name order; tokens
    starting with a prefix of drop left out"""
    msgs = {k: [] for k in KINDS}
    drop = tuple(drop)
    with open(path) as fh:
        for line in fh:
            f = line.rstrip("\n").split("\t")
            toks = f[4:]
            if drop:
                toks = [t for t in toks if not t.startswith(drop)]
            msgs[f[0]].append((os.path.basename(f[1]), float(f[2]), f[3], frozenset(toks)))
    return msgs


def parse_table(text):
    rows = []
    for item in text.split(","):
        p, s = item.split(":")
        rows.append((float(p), float(s)))
    return sorted(rows, reverse=True)


def chi2q(x2, v):
    m = x2 / 2.0
    term = math.exp(-m)
    total = term
    for i in range(1, v // 2):
        term *= m / i
        total += term
    return min(total, 1.0)


def chi2_combine(fs):
    if not fs:
        return 0.5
    ln_h = sum(math.log(f) for f in fs)
    ln_s = sum(math.log1p(-f) for f in fs)
    s = 1 - chi2q(-2 * ln_s, 2 * len(fs))
    h = 1 - chi2q(-2 * ln_h, 2 * len(fs))
    return min(max((s - h + 1) / 2, 0.0), 1.0)


class Model:
    def __init__(self, spam_counts, ham_counts, nspam, nham, o):
        self.sc, self.hc, self.ns, self.nh, self.o = spam_counts, ham_counts, nspam, nham, o

    def f(self, tok):
        s, h = self.sc.get(tok, 0), self.hc.get(tok, 0)
        n = s + h
        if n < self.o.min_count:
            return None
        sr = min(1.0, s / self.ns)
        hr = min(1.0, h / self.nh)
        if sr + hr == 0:
            return None
        p = sr / (sr + hr)
        if self.o.balance:
            # the counts moved towards as many spam as ham learned (balance 1: all the way)
            half = (self.ns + self.nh) / 2.0
            n = s * (half / self.ns) ** self.o.balance + h * (half / self.nh) ** self.o.balance
        return (self.o.s * self.o.x + n * p) / (self.o.s + n)

    def prob(self, tokens):
        ev = []
        for t in tokens:
            f = self.f(t)
            if f is not None and abs(f - 0.5) >= self.o.min_strength:
                ev.append(f)
        ev.sort(key=lambda f: -abs(f - 0.5))
        return chi2_combine(ev[:self.o.max_disc])


def bayes_score(p, table):
    for frm, s in table:
        if p >= frm:
            return s
    return table[-1][1]


def folds(msgs, k):
    """[{kind: [messages of block i]}] for i in 0..k-1: contiguous blocks in name order"""
    out = [{kind: [] for kind in KINDS} for _ in range(k)]
    for kind, lst in msgs.items():
        n = len(lst)
        for i in range(k):
            out[i][kind] = lst[n * i // k:n * (i + 1) // k]
    return out


def counts(blocks, kinds):
    c = collections.Counter()
    n = 0
    for b in blocks:
        for kind in kinds:
            for m in b[kind]:
                c.update(m[3])
                n += 1
    return c, n


def train_on_error(train_msgs, o):
    """learns in time order only what the store so far gets wrong (or is unsure of)"""
    sc, hc = collections.Counter(), collections.Counter()
    ns = nh = 0
    order = sorted(train_msgs, key=lambda km: km[1][0].split(".", 1)[1] if "." in km[1][0] else km[1][0])
    for kind, m in order:
        spam = kind == "spam"
        if ns >= 20 and nh >= 20:
            p = Model(sc, hc, ns, nh, o).prob(m[3])
            if (spam and p > 1 - o.toe_margin) or (not spam and p < o.toe_margin):
                continue
        if spam:
            sc.update(m[3])
            ns += 1
        else:
            hc.update(m[3])
            nh += 1
    print("  train on error: learned %d spam, %d ham" % (ns, nh), file=sys.stderr)
    return sc, hc, ns, nh


def cv(args):
    msgs = load(args.data, args.drop.split(",") if args.drop else ())
    table = parse_table(args.table)
    blocks = folds(msgs, args.k if args.scheme == "blocks" else 2)
    rows = []  # (kind, name, rules score, bayes p, rules fired)
    # blocks: each block held out once; half: the first half learned, the second classified,
    # as the evaluation split learns the first half of hard-ham-1 and classifies the second
    tests = range(args.k) if args.scheme == "blocks" else [1]
    for i in tests:
        rest = [b for j, b in enumerate(blocks) if j != i]
        if args.train_on_error:
            sc, hc, ns, nh = train_on_error([(kind, m) for b in rest for kind in KINDS for m in b[kind]], args)
        else:
            sc, ns = counts(rest, ["spam"])
            hc, nh = counts(rest, ["easy-ham", "hard-ham"])
        model = Model(sc, hc, ns, nh, args)
        for kind in KINDS:
            for m in blocks[i][kind]:
                rows.append((kind, m[0], m[1], model.prob(m[3]), m[2]))
    report(rows, table, args)


def report(rows, table, args):
    tally = {k: [0, 0] for k in KINDS}
    near = {k: 0 for k in KINDS}  # ham within 2 points under the threshold: FP to come
    for kind, name, rs, p, fired in rows:
        score = rs + bayes_score(p, table)
        spam = score >= args.threshold
        near[kind] += not spam and score >= args.threshold - 2
        tally[kind][0] += spam
        tally[kind][1] += 1
        if args.show and spam != (kind == "spam"):
            print("  %s %s rules %.1f (%s) p %.4f" % (kind, name, rs, fired, p))
    ham = [tally["easy-ham"][i] + tally["hard-ham"][i] for i in (0, 1)]
    pct = lambda a, b: 100.0 * a / b if b else 0
    print("caught %.2f%% (%d/%d) fp_ham %.2f%% (%d/%d) fp_easy %.2f%% fp_hard %.2f%% (%d/%d) errors %d" % (
        pct(*tally["spam"]), tally["spam"][0], tally["spam"][1], pct(*ham), ham[0], ham[1],
        pct(*tally["easy-ham"]), pct(*tally["hard-ham"]), tally["hard-ham"][0], tally["hard-ham"][1],
        tally["spam"][1] - tally["spam"][0] + ham[0]))
    print("  ham within 2 of the threshold: easy %d hard %d" % (near["easy-ham"], near["hard-ham"]))
    # the Bayes probability alone: spam caught at the cut that flags at most 0.1% of ham
    hp = sorted((r[3] for r in rows if r[0] != "spam"), reverse=True)
    sp = [r[3] for r in rows if r[0] == "spam"]
    line = "  bayes alone: caught"
    for fp in (0.001, 0.005, 0.01):
        allowed = int(len(hp) * fp)
        cut = hp[allowed] if allowed < len(hp) else 0
        line += " %.2f%% at fp %g%% (p > %.4g);" % (pct(sum(1 for p in sp if p > cut), len(sp)), 100 * fp, cut)
    print(line)
    if args.curve:
        # the spam caught at the Bayes probability alone, for cut-offs
        for cut in (0.5, 0.8, 0.9, 0.95, 0.99, 0.999, 0.9999):
            t = {k: sum(1 for r in rows if r[0] == k and r[3] >= cut) for k in KINDS}
            n = {k: sum(1 for r in rows if r[0] == k) for k in KINDS}
            print("  p>=%-7g spam %.2f%% ham %.2f%% hard %d" % (
                cut, pct(t["spam"], n["spam"]), pct(t["easy-ham"] + t["hard-ham"], n["easy-ham"] + n["hard-ham"]), t["hard-ham"]))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("dump", help="the training messages' rule scores and tokens into OUT")
    p.add_argument("split", help="the bench's split of the corpus (lib/spam_corpus.sh)")
    p.add_argument("out", help="one message a line, for cv")
    p.add_argument("--rules", default=os.path.join(ROOT, "etc/spam/rules"))
    p.add_argument("--build", default=os.path.join(ROOT, "build/bench"))
    p = sub.add_parser("cv")
    p.add_argument("data")
    p.add_argument("--k", type=int, default=5)
    p.add_argument("--scheme", choices=("blocks", "half"), default="blocks",
                   help="blocks: k-fold over contiguous blocks; half: learn the first half of each group, classify the second")
    p.add_argument("--s", type=float, default=1.0)
    p.add_argument("--x", type=float, default=0.5)
    p.add_argument("--min-strength", type=float, default=0.1)
    p.add_argument("--min-count", type=int, default=1)
    p.add_argument("--max-disc", type=int, default=300)
    p.add_argument("--table", default=DEFAULT_TABLE, help="PROB:SCORE,... (BAYES_nn entries)")
    p.add_argument("--threshold", type=float, default=5.0, help="control/spamscore")
    p.add_argument("--balance", type=float, default=0, help="f(w)'s strength from counts scaled towards equal classes (0-1)")
    p.add_argument("--train-on-error", action="store_true")
    p.add_argument("--toe-margin", type=float, default=0.1)
    p.add_argument("--drop", help="PREFIX,...: tokens left out (an ablation)")
    p.add_argument("--show", action="store_true", help="list the misclassified messages")
    p.add_argument("--curve", action="store_true", help="spam and ham over Bayes cut-offs")
    args = ap.parse_args()
    {"dump": dump, "cv": cv}[args.cmd](args)


if __name__ == "__main__":
    main()
