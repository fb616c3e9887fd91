#!/usr/bin/python3
"""The killer of test/bats/soak.bats: SIGKILL to the instance's processes while a load runs.

usage: soak_kill.py POSTA_HOME LOAD_PID NAME...

Rounds over NAME... in random order, one victim every 0.1-0.4 s: one random process of that
name that belongs to the instance (POSTA_HOME=... in its environment; for posta-tcpd only
those that run posta-smtpd), waiting up to 1 s for one to exist (posta-local, posta-remote
and posta-queue live for one message). Right after posta-queued, posta-queue is tried too
(posta-smtpd runs it while posta-queued is down). Rounds go on while LOAD_PID runs, then
until every NAME was killed 3 times, at most 60 s more. Prints the kills while the load ran
("during: name=n ...") and in all ("total: ..."). Scans /proc itself: forking pgrep for every
try made a round take a minute on a loaded machine.
"""
import os
import random
import signal
import sys
import time

home, load_pid, victims = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
marker = ("POSTA_HOME=" + home).encode()


def running(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def pids(name):
    out = []
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open("/proc/%s/comm" % p) as f:
                if f.read().strip() != name[:15]:
                    continue
            with open("/proc/%s/environ" % p, "rb") as f:
                if marker not in f.read().split(b"\0"):
                    continue
            if name == "posta-tcpd":
                with open("/proc/%s/cmdline" % p, "rb") as f:
                    if b"posta-smtpd" not in f.read():
                        continue
        except OSError:
            continue
        out.append(int(p))
    return out


def kill_one(name):
    deadline = time.time() + 1
    while time.time() < deadline:
        ps = pids(name)
        if ps:
            try:
                os.kill(random.choice(ps), signal.SIGKILL)
                return True
            except OSError:
                pass
        time.sleep(0.02)
    return False


kills = {v: 0 for v in victims + ["posta-queue"]}


def summary():
    return " ".join("%s=%d" % (v[len("posta-"):], n) for v, n in kills.items())


end = None
rounds = 0
while True:
    rounds += 1
    for v in random.sample(victims, len(victims)):
        time.sleep(random.uniform(0.1, 0.4))
        if kill_one(v):
            kills[v] += 1
        if v == "posta-queued" and kill_one("posta-queue"):
            kills["posta-queue"] += 1
    if running(load_pid):
        continue
    if end is None:
        end = time.time()
        print("during: %s (%d rounds)" % (summary(), rounds), flush=True)
    if all(kills[v] >= 3 for v in victims) or time.time() - end > 60:
        break
print("total: %s (%d rounds)" % (summary(), rounds), flush=True)
