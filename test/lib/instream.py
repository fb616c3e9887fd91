#!/usr/bin/python3
"""Speaks clamd's protocol independently of lib/scan, to check a test clamd.
usage: instream.py ADDRESS FILE|-     prints clamd's answer to INSTREAM of FILE
       instream.py ADDRESS --ping     prints the answer to PING
       instream.py ADDRESS --wait N   waits up to N seconds until PING is answered PONG
ADDRESS is unix:/path or IP:PORT (control/clamd's form). Exit 0 on an answer, 1 without."""
import socket
import struct
import sys
import time


def connect(address):
    if address.startswith("unix:"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        s.connect(address[5:])
    else:
        host, port = address.rsplit(":", 1)
        s = socket.create_connection((host.strip("[]"), int(port)), timeout=10)
    return s


def answer(s):
    """clamd's answer up to its NUL (or what came before the connection closed)"""
    got = bytearray()
    for block in iter(lambda: s.recv(4096), b""):
        got += block
        if got.endswith(b"\0"):
            break
    return bytes(got).rstrip(b"\0").decode("utf-8", "replace")


def wait(address, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            s = connect(address)
            s.sendall(b"zPING\0")
            if answer(s) == "PONG":
                return 0
        except OSError:
            pass
        time.sleep(0.01)
    print("instream.py: no PONG from %s within %s s" % (address, seconds), file=sys.stderr)
    return 1


def main():
    address, what = sys.argv[1], sys.argv[2]
    if what == "--wait":
        return wait(address, float(sys.argv[3]))
    try:
        s = connect(address)
        if what == "--ping":
            s.sendall(b"zPING\0")
        else:
            data = sys.stdin.buffer.read() if what == "-" else open(what, "rb").read()
            s.sendall(b"zINSTREAM\0")
            for i in range(0, len(data), 65536):
                chunk = data[i:i + 65536]
                s.sendall(struct.pack(">I", len(chunk)) + chunk)
            s.sendall(struct.pack(">I", 0))
        print(answer(s))
    except OSError as e:
        print("instream.py: %s" % e, file=sys.stderr)
        return 1
    return 0


sys.exit(main())
