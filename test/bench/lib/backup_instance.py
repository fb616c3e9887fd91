#!/usr/bin/env python3
"""Mail for the backup workload (97-backup.sh).

backup_instance.py make HOME USERS MESSAGES   MESSAGES across USERS Maildirs under
    HOME/mail/bench.test/userNN/ (the users exist: posta-user made them), about 10 KB each
    (words from a fixed vocabulary, so they compress like mail), most in cur/ with flags.
backup_instance.py change HOME PERCENT_NEW PERCENT_FLAGS   new messages (in new/) and flag
    changes (renames in cur/), as a day of mail and reading does.
Deterministic: the same arguments give the same files.
"""
import os
import random
import sys

VOCAB = None


def words(rnd):
    global VOCAB
    if VOCAB is None:
        v = random.Random(1)
        VOCAB = ["".join(v.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(v.randint(2, 10)))
                 for _ in range(5000)]
    return VOCAB


def message(rnd, n):
    vocab = words(rnd)
    body_words = rnd.randint(200, 2600)
    lines, line = [], []
    for _ in range(body_words):
        line.append(rnd.choice(vocab))
        if len(line) == 12:
            lines.append(" ".join(line))
            line = []
    lines.append(" ".join(line))
    head = (f"Return-Path: <sender{n % 97}@example.org>\nDelivered-To: bench\n"
            f"From: Sender {n % 97} <sender{n % 97}@example.org>\nTo: user@bench.test\n"
            f"Subject: {' '.join(rnd.choice(vocab) for _ in range(6))}\n"
            f"Message-ID: <{n}.{rnd.getrandbits(48):x}@example.org>\n"
            f"Date: Mon, 7 Dec 2026 10:00:00 +0000\nMIME-Version: 1.0\n"
            f"Content-Type: text/plain; charset=utf-8\n\n")
    return (head + "\n".join(lines) + "\n").encode()


def maildirs(home):
    base = os.path.join(home, "mail", "bench.test")
    return sorted(os.path.join(base, u) for u in os.listdir(base))


def write(folder, sub, n, data, flags):
    name = f"{1765000000 + n}.M{n}P1Q1.bench,S={len(data)}"
    if sub == "cur":
        name += ":2," + flags
    path = os.path.join(folder, sub, name)
    with open(path, "wb") as f:
        f.write(data)


def make(home, users, messages):
    rnd = random.Random(7)
    dirs = maildirs(home)[:users]
    for n in range(messages):
        write(dirs[n % len(dirs)], "cur" if n % 10 else "new", n, message(rnd, n), rnd.choice(["S", "RS", "FS", ""]))


def change(home, pct_new, pct_flags):
    rnd = random.Random(11)
    dirs = maildirs(home)
    files = []
    for d in dirs:
        files += [os.path.join(d, "cur", f) for f in os.listdir(os.path.join(d, "cur"))]
    files.sort()
    for path in rnd.sample(files, len(files) * pct_flags // 100):
        head, flags = path.rsplit(":2,", 1)
        os.rename(path, head + ":2," + ("" if "F" in flags else "FS"))
    total = len(files) * 100 // 90
    for i in range(total * pct_new // 100):
        n = 10_000_000 + i
        write(dirs[i % len(dirs)], "new", n, message(rnd, n), "")


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif sys.argv[1] == "change":
        change(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        sys.exit("usage: backup_instance.py make|change ...")
