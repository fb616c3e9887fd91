# Minimal IMAP client for the benchmarks: reads responses in bulk (imaplib parses 100,000
# FETCH lines slower than the servers produce them, so it would measure itself).
import socket, ssl, time


class Client:
    def __init__(self, port, tls=False, host="127.0.0.1", timeout=120):
        s = socket.create_connection((host, port), timeout=timeout)
        if tls:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            s = ctx.wrap_socket(s)
        self.s, self.buf, self.n = s, bytearray(), 0
        self._until(b"* ")

    def _until(self, tag):
        start = 0
        while True:
            if self.buf.startswith(tag):
                i = 0
            else:
                i = self.buf.find(b"\n" + tag, max(0, start - len(tag) - 1))
                i = -1 if i < 0 else i + 1
            if i >= 0:
                j = self.buf.find(b"\r\n", i)
                if j >= 0:
                    out = bytes(self.buf[:j + 2])
                    del self.buf[:j + 2]
                    return out
            start = len(self.buf)
            d = self.s.recv(1 << 20)
            if not d:
                raise EOFError("connection closed")
            self.buf += d

    def cmd(self, line, literal=None):
        self.n += 1
        tag = b"t%d" % self.n
        if literal is None:
            self.s.sendall(tag + b" " + line.encode() + b"\r\n")
        else:
            self.s.sendall(tag + b" " + line.encode() + b" {%d+}\r\n" % len(literal) + literal + b"\r\n")
        out = self._until(tag + b" ")
        status = out[out.rfind(b"\n", 0, len(out) - 2) + 1:].split(b" ")[1]
        if status != b"OK":
            raise RuntimeError("%s: %s" % (line, out[-200:]))
        return out

    def timed(self, line):
        t = time.perf_counter()
        out = self.cmd(line)
        return (time.perf_counter() - t) * 1000, out
