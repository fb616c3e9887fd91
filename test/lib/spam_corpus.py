#!/usr/bin/env python3
"""Writes N messages of one kind (spam or ham) into a Maildir's new/ for the classifier tests:
each kind draws its words from its own vocabulary, so that a store learned from both tells
them apart. Usage: spam_corpus.py spam|ham N MAILDIR [SEED]"""
import os
import random
import sys

SPAM = ("viagra casino lottery winner prize cheap pills discount offer unsubscribe bitcoin "
        "investment guaranteed millionaire urgent claim bonus jackpot refinance mortgage "
        "replica watches pharmacy diet weightloss enlargement credit").split()
HAM = ("meeting agenda minutes project review schedule deadline budget report quarterly "
       "colleague lunch tomorrow thanks regards attached document draft comments release "
       "roadmap standup retrospective kernel compiler patch").split()


def main():
    kind, n, maildir = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    rnd = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 19)
    words = SPAM if kind == "spam" else HAM
    sender = "offers@deals.example" if kind == "spam" else "colleague@work.example"
    for d in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(maildir, d), exist_ok=True)
    for i in range(n):
        body = " ".join(rnd.choice(words) for _ in range(60))
        subject = " ".join(rnd.sample(words, 4))
        text = (f"From: {sender}\nTo: user@example.test\nSubject: {subject}\n"
                f"Message-ID: <{kind}-{i}-{rnd.randrange(1 << 30)}@corpus.example>\n"
                f"Date: Mon, 7 Dec 2026 10:00:00 +0000\n\n{body}\n")
        with open(os.path.join(maildir, "new", f"{kind}.{i}"), "w") as f:
            f.write(text)


main()
