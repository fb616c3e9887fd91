#!/usr/bin/python3
"""Connections per second: N TCP connections, C at a time, each read to EOF."""
import socket, sys, threading, time
host, port, total, conc = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
left = [total]; lock = threading.Lock(); errors = [0]
def worker():
    while True:
        with lock:
            if left[0] == 0: return
            left[0] -= 1
        try:
            s = socket.create_connection((host, port), timeout=10)
            while s.recv(4096): pass
            s.close()
        except OSError:
            with lock: errors[0] += 1
t0 = time.monotonic()
ts = [threading.Thread(target=worker) for _ in range(conc)]
for t in ts: t.start()
for t in ts: t.join()
dt = time.monotonic() - t0
if errors[0] > total // 100: sys.exit("connect.py: %d errors" % errors[0])
print("%.1f" % (total / dt))
