#!/usr/bin/env python3
"""Mail for the mail-search and imap-search workloads (98-mail-search.sh, 73-imap-search.sh).

mail_search_instance.py HOME USERS PER_USER   PER_USER messages in the INBOX of each of
    HOME/mail/bench.test/userNNN/ (the users exist)
mail_search_instance.py --maildir MAILDIR COUNT USER   COUNT messages in MAILDIR, for USER
Messages of about 1.5 KB each: header fields as a delivery leaves them, a body of words from
a fixed vocabulary. One message in 1,000 holds the word "quokka" in its body, so a search
for it finds 200 of 200,000. Deterministic: the same arguments give the same files.
"""
import os
import random
import sys

v = random.Random(1)
vocab = ["".join(v.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(v.randint(2, 10))) for _ in range(5000)]
rnd = random.Random(2)
n = 0


def write(md, user, count):
    global n
    for _ in range(count):
        n += 1
        body = [" ".join(rnd.choice(vocab) for _ in range(12)) for _ in range(rnd.randint(5, 15))]
        if n % 1000 == 0:
            body.insert(len(body) // 2, "the quokka smiles")
        msg = (f"Return-Path: <sender{n % 97}@example.org>\nDelivered-To: {user}\n"
               f"From: Sender {n % 97} <sender{n % 97}@example.org>\nTo: {user}\n"
               f"Subject: {' '.join(rnd.choice(vocab) for _ in range(6))}\n"
               f"Date: Mon, 7 Dec 2026 10:00:00 +0000\nMessage-ID: <{n}@example.org>\n\n" + "\n".join(body) + "\n")
        data = msg.encode()
        name = "%d.M%dP1.bench,S=%d:2,S" % (1765000000 + n, n, len(data))
        with open(os.path.join(md, "cur", name), "wb") as f:
            f.write(data)


if sys.argv[1] == "--maildir":
    write(sys.argv[2], sys.argv[4], int(sys.argv[3]))
else:
    home, users, per_user = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    for u in range(1, users + 1):
        write(os.path.join(home, "mail", "bench.test", "user%03d" % u), "user%03d@bench.test" % u, per_user)
