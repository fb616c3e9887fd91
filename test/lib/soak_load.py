#!/usr/bin/python3
"""SMTP load for test/bats/soak.bats: N messages, each retried until some server says 250.

usage: soak_load.py HOST SMTP_PORT SUBMISSION_PORT SMTPS_PORT N OUTDIR USER PASSWORD

Message i (X-Soak: i) goes, by i % 4:
  0, 1  port 25, plain, to l(i%5+1)@example.test (local delivery)
  2     submission: STARTTLS, AUTH as USER, to r(i)@remote.test (remote delivery)
  3     implicit TLS (smtps): AUTH as USER, to l(i%5+1)@example.test and r(i)@remote.test
Every failure (refused connection, reset, 4xx, timeout: the servers are being killed) is
retried after a short pause with a new Message-ID, for at most 300 s per message. The numbers
of the messages that got 250 go to OUTDIR/accepted, one a line; OUTDIR/attempts holds the
count of failed attempts. Exit 1 when a message could not be sent in time.
"""
import os
import smtplib
import ssl
import sys
import threading
import time

host = sys.argv[1]
smtp_port, sub_port, smtps_port = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
n, outdir, user, password = int(sys.argv[5]), sys.argv[6], sys.argv[7], sys.argv[8]
THREADS = 8
TIMEOUT = 30
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
lock = threading.Lock()
state = {"next": 1, "failed_attempts": 0, "given_up": []}
accepted = open(os.path.join(outdir, "accepted"), "a")


def send_once(i, attempt):
    local = "l%d@example.test" % (i % 5 + 1)
    remote = "r%d@remote.test" % i
    mode = i % 4
    if mode in (0, 1):
        c = smtplib.SMTP(host, smtp_port, local_hostname="soak.test", timeout=TIMEOUT)
        sender, rcpts = "s%d@soak.test" % i, [local]
    elif mode == 2:
        c = smtplib.SMTP(host, sub_port, local_hostname="soak.test", timeout=TIMEOUT)
        c.starttls(context=ctx)
        c.login(user, password)
        sender, rcpts = user, [remote]
    else:
        c = smtplib.SMTP_SSL(host, smtps_port, local_hostname="soak.test", timeout=TIMEOUT,
                             context=ctx)
        c.login(user, password)
        sender, rcpts = user, [local, remote]
    try:
        msg = ("From: %s\r\nTo: %s\r\nMessage-ID: <soak.%d.%d@soak.test>\r\nX-Soak: %d\r\n"
               "Subject: soak %d\r\n\r\nsoak message %d, attempt %d\r\n"
               % (sender, ", ".join(rcpts), i, attempt, i, i, i, attempt))
        refused = c.sendmail(sender, rcpts, msg)
        if refused:
            raise smtplib.SMTPRecipientsRefused(refused)
    finally:
        try:
            c.quit()
        except Exception:  # noqa: BLE001
            c.close()


def worker():
    while True:
        with lock:
            i = state["next"]
            if i > n:
                return
            state["next"] += 1
        t0 = time.time()
        attempt = 0
        while True:
            attempt += 1
            try:
                send_once(i, attempt)
                with lock:
                    accepted.write("%d\n" % i)
                    accepted.flush()
                break
            except Exception as e:  # noqa: BLE001
                with lock:
                    state["failed_attempts"] += 1
                if time.time() - t0 > 300:
                    with lock:
                        state["given_up"].append("%d: %s" % (i, e))
                    break
                time.sleep(0.2)


t0 = time.time()
ts = [threading.Thread(target=worker) for _ in range(THREADS)]
for t in ts:
    t.start()
for t in ts:
    t.join()
accepted.close()
with open(os.path.join(outdir, "attempts"), "w") as f:
    f.write("%d\n" % state["failed_attempts"])
print("soak: %d messages sent in %.0f s, %d failed attempts retried"
      % (n - len(state["given_up"]), time.time() - t0, state["failed_attempts"]))
for g in state["given_up"][:10]:
    print("given up: " + g)
sys.exit(1 if state["given_up"] else 0)
