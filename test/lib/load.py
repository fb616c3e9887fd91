#!/usr/bin/python3
"""Load for test/bats/load.bats and the bench workload 90-service-load.

usage: load.py HOST SMTP_PORT IMAP_PORT N_SMTP N_IMAP OUTDIR [PSS_ROOT_PID[,PID...]]

Users: r1..r10@example.test (password "load"), both for IMAP and as SMTP recipients, unless
$LOAD_IMAP_USER/$LOAD_IMAP_PASS (one IMAP login) and $LOAD_SMTP_RCPT (one recipient) say
otherwise. LOAD_OVER_LIMIT=0 skips the connections past the limits (steps 2 and 3).
0. With PSS_ROOT_PID, the PSS of those processes and all their descendants is measured
   before anything connects and printed as "pss_idle_kb N".
1. N_IMAP IMAP sessions log in and stay idle.
2. With every IMAP session held, one more IMAP connection from the same address must be
   refused promptly (BYE or close, within 10 s; it must not be served, nor hang).
3. N_SMTP SMTP sessions connect and say EHLO; once all are open at the same time (a barrier),
   one more SMTP connection from the same address must be refused promptly (4xx or close),
   then each session sends one message (unique Message-ID) and QUITs.
4. With PSS_ROOT_PID, the PSS of that process and all its descendants is measured while every
   SMTP session and every IMAP session is open, and printed as "pss_kb N".
5. Every IMAP session must still answer NOOP; then each logs out.
Message-IDs of the accepted messages go to OUTDIR/sent, one a line. Failures are printed
and make the exit status 1; every socket has a timeout, so nothing waits forever.
"""
import os
import smtplib
import socket
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../bench/lib"))
from pss import pss_kb  # noqa: E402

host, smtp_port, imap_port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
n_smtp, n_imap, outdir = int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
pss_roots = sys.argv[7].split(",") if len(sys.argv) > 7 else None
TIMEOUT = 60
GREETING_TIMEOUT = 240
errors = []
lock = threading.Lock()


def err(msg):
    with lock:
        errors.append(msg)


def users(i):
    u = os.environ.get("LOAD_IMAP_USER")
    return u if u else "r%d@example.test" % (i % 10 + 1)


def rcpt(i):
    return os.environ.get("LOAD_SMTP_RCPT") or "r%d@example.test" % (i % 10 + 1)


class Imap:
    """A raw IMAP session: tagged commands, the tagged reply checked."""

    def __init__(self, i):
        self.s = socket.create_connection((host, imap_port), timeout=TIMEOUT)
        self.f = self.s.makefile("rb")
        self.n = 0
        greet = self.f.readline()
        if not greet.startswith(b"* OK"):
            raise RuntimeError("greeting %r" % greet)

    def cmd(self, line):
        self.n += 1
        tag = b"a%d" % self.n
        self.s.sendall(tag + b" " + line + b"\r\n")
        while True:
            r = self.f.readline()
            if not r:
                raise EOFError("closed during %r" % line)
            if r.startswith(tag + b" "):
                if not r.startswith(tag + b" OK"):
                    raise RuntimeError("%r: %r" % (line, r))
                return


def refused_promptly(port, what):
    """One more connection from the same address: refused (4xx, BYE or close) within 10 s."""
    t0 = time.time()
    s = socket.create_connection((host, port), timeout=10)
    try:
        data = s.recv(4096)
    except socket.timeout:
        err("%s beyond the limit: no answer in 10 s (a hang)" % what)
        return
    finally:
        s.close()
    took = time.time() - t0
    if data.startswith(b"220") or data.startswith(b"* OK"):
        err("%s beyond the limit was served: %r" % (what, data[:80]))
    elif data and not (data[:1] == b"4" or data.startswith(b"* BYE")):
        err("%s beyond the limit: unexpected %r" % (what, data[:80]))
    else:
        print("%s beyond the limit: %s after %.2f s" %
              (what, repr(data.strip()[:60]) if data else "closed without a reply", took))


def main():
    if pss_roots:
        print("pss_idle_kb %d" % pss_kb(pss_roots))
    # 1. IMAP sessions, logged in by 10 threads at a time
    imaps = [None] * n_imap
    pw = os.environ.get("LOAD_IMAP_PASS", "load").encode()

    def login(i):
        try:
            c = Imap(i)
            c.cmd(b'LOGIN "%s" "%s"' % (users(i).encode(), pw))
            imaps[i] = c
        except Exception as e:  # noqa: BLE001
            err("imap %d: login: %s" % (i, e))

    t0 = time.time()
    for base in range(0, n_imap, 10):
        ts = [threading.Thread(target=login, args=(i,)) for i in range(base, min(base + 10, n_imap))]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
    print("imap: %d of %d logged in in %.1f s" % (sum(1 for c in imaps if c), n_imap, time.time() - t0))
    if os.environ.get("LOAD_OVER_LIMIT", "1") == "1":
        refused_promptly(imap_port, "IMAP connection")

    # 2. SMTP sessions, all open at once, then one message each
    barrier = threading.Barrier(n_smtp + 1, timeout=GREETING_TIMEOUT + 60)
    sent = []
    opened = [0]

    def smtp(i):
        c = None
        try:
            # the greeting may take a while: hundreds of servers start at once (slow, not hung)
            c = smtplib.SMTP(host, smtp_port, local_hostname="load%d.test" % i, timeout=GREETING_TIMEOUT)
            c.sock.settimeout(TIMEOUT)
            c.ehlo()
            with lock:
                opened[0] += 1
        except Exception as e:  # noqa: BLE001
            err("smtp %d: connect: %s" % (i, e))
            c = None
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            err("smtp %d: not every session was open at once" % i)
        if c is None:
            return
        mid = "<load.%d.%d@load.test>" % (os.getpid(), i)
        msg = ("From: s%d@load.test\r\nTo: %s\r\nMessage-ID: %s\r\nSubject: load %d\r\n\r\n"
               "load message %d\r\n" % (i, rcpt(i), mid, i, i))
        try:
            c.sendmail("s%d@load.test" % i, [rcpt(i)], msg)
            with lock:
                sent.append(mid)
            c.quit()
        except Exception as e:  # noqa: BLE001
            err("smtp %d: %s" % (i, e))

    t0 = time.time()
    ts = [threading.Thread(target=smtp, args=(i,)) for i in range(n_smtp)]
    for t in ts:
        t.start()
    while barrier.n_waiting < n_smtp and not barrier.broken and time.time() - t0 < GREETING_TIMEOUT + 60:
        time.sleep(0.05)
    print("smtp: %d sessions open at once after %.1f s" % (opened[0], time.time() - t0))
    if os.environ.get("LOAD_OVER_LIMIT", "1") == "1":
        refused_promptly(smtp_port, "SMTP connection")
    if pss_roots:
        print("pss_kb %d" % pss_kb(pss_roots))
    try:
        barrier.wait()
    except threading.BrokenBarrierError:
        pass
    for t in ts:
        t.join()
    print("smtp: %d of %d messages accepted in %.1f s" % (len(sent), n_smtp, time.time() - t0))
    with open(os.path.join(outdir, "sent"), "w") as f:
        f.write("".join(m + "\n" for m in sent))

    # 3. every IMAP session is still there
    alive = 0
    for i, c in enumerate(imaps):
        if c is None:
            continue
        try:
            c.cmd(b"NOOP")
            alive += 1
            c.cmd(b"LOGOUT")
        except Exception as e:  # noqa: BLE001
            err("imap %d: NOOP after the load: %s" % (i, e))
    print("imap: %d of %d sessions answered NOOP after the load" % (alive, n_imap))
    for e in errors[:20]:
        print("error: " + e)
    if len(errors) > 20:
        print("error: ... %d errors in all" % len(errors))
    return 1 if errors else 0


sys.exit(main())
