#!/usr/bin/python3
"""Multi-client IMAP stress: N clients on one mailbox doing SELECT, FETCH, STORE, EXPUNGE,
COPY, MOVE, APPEND, SEARCH, NOOP and LOGOUT (then a new login) at random for a while, checking every response
against the protocol (RFC 3501) and against the client's own view of the mailbox.

usage: imap_stress.py [--clients 10] [--seconds 15] [--seed N] [--mailbox INBOX]
                      (--command "posta-imapd --post-auth" | --port P --user U --password W)

Counted as errors: a BAD, a NO (but NO [EXPUNGEISSUED] to COPY, MOVE, FETCH or STORE of
messages another client expunged, RFC 5530), a dropped connection, a line that is not an IMAP response,
and an unexpected response: a sequence number beyond what the client was told exists, an
EXPUNGE during FETCH, STORE or SEARCH (RFC 3501 7.4.1), EXISTS going down, anything but BYE
and OK after LOGOUT. Prints "ok clients=.. commands=.. errors=0 seconds=.. commands/s=.."
and exits 0 when there were none; otherwise one line per error (the first 20) and exit 1.
"""
import argparse, random, re, socket, subprocess, sys, threading, time

LIT = re.compile(rb'\{(\d+)\}\r\n$')
NUMBERED = re.compile(r'^\* (\d+) (EXISTS|RECENT|EXPUNGE|FETCH)\b')
FETCH_UID = re.compile(r'[( ]UID (\d+)')


class Dropped(Exception):
    pass


class Conn:
    """One IMAP connection: a socket or a child process's pipes."""

    def __init__(self, args):
        self.proc = self.sock = None
        if args.command:
            self.proc = subprocess.Popen(args.command, shell=True, stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            self.rf, self.wf = self.proc.stdout, self.proc.stdin
        else:
            self.sock = socket.create_connection(('127.0.0.1', args.port), timeout=60)
            self.rf, self.wf = self.sock.makefile('rb'), self.sock.makefile('wb')

    def send(self, data):
        try:
            self.wf.write(data)
            self.wf.flush()
        except OSError as e:
            raise Dropped(str(e))

    def line(self):
        """One response line with its literals folded in (bytes, CRLF stripped)."""
        out = b''
        while True:
            l = self.rf.readline()
            if not l:
                raise Dropped('connection closed')
            m = LIT.search(l)
            if not m:
                return out + l.rstrip(b'\r\n')
            out += l[:m.start()] + b'{}'
            data = self.rf.read(int(m.group(1)))
            if len(data) != int(m.group(1)):
                raise Dropped('connection closed in a literal')

    def close(self):
        for f in (self.wf, self.rf):
            try:
                f.close()
            except OSError:
                pass
        if self.proc:
            self.proc.wait()
        if self.sock:
            self.sock.close()


class Client:
    def __init__(self, n, args, errors, lock):
        self.n, self.args, self.errors, self.lock = n, args, errors, lock
        self.rnd = random.Random(args.seed * 1000 + n)
        self.tagn = 0
        self.commands = 0
        self.conn = None
        self.exists = None  # None: no mailbox selected
        self.uids = []      # seq - 1 -> UID as far as responses told (None: not yet)

    def error(self, what):
        with self.lock:
            self.errors.append('client %d: %s' % (self.n, what))

    def cmd(self, text, literal=None):
        """Sends a command; checks and returns (tagged status, untagged lines)."""
        self.tagn += 1
        tag = 'c%d' % self.tagn
        verb = text.split(' ', 2)
        verb = (verb[1] if verb[0] == 'UID' else verb[0]).upper()
        uid = text.startswith('UID ')
        if literal is None:
            self.conn.send(('%s %s\r\n' % (tag, text)).encode())
        else:
            self.conn.send(('%s %s {%d+}\r\n' % (tag, text, len(literal))).encode() + literal + b'\r\n')
        self.commands += 1
        untagged = []
        while True:
            raw = self.conn.line()
            l = raw.decode('utf-8', 'replace')
            if l.startswith(tag + ' '):
                status = l.split(' ', 2)[1]
                # NO [EXPUNGEISSUED] (RFC 5530): a COPY, MOVE, FETCH or STORE of messages
                # another session expunged meanwhile may be refused so; that is no error
                gone = status == 'NO' and l.split(' ', 3)[2:3] == ['[EXPUNGEISSUED]'] and \
                    verb in ('COPY', 'MOVE', 'FETCH', 'STORE')
                if status != 'OK' and not gone:
                    self.error('%s -> %s' % (text[:60], l[:200]))
                return status, untagged
            untagged.append(l)
            self.check_untagged(l, verb, uid, text)

    def check_untagged(self, l, verb, uid, text):
        if not l.startswith('* '):
            return self.error('not a response: %r after %s' % (l[:100], text[:40]))
        if verb == 'LOGOUT' and not l.startswith('* BYE'):
            return self.error('during LOGOUT: %r' % l[:100])
        if l.startswith('* BAD'):
            return self.error('untagged BAD: %r' % l[:100])
        m = NUMBERED.match(l)
        if not m:
            return
        n, what = int(m.group(1)), m.group(2)
        if what == 'EXISTS':
            if self.exists is not None and n < self.exists:
                self.error('EXISTS went down from %d to %d' % (self.exists, n))
            self.exists = n
            self.uids += [None] * (n - len(self.uids))
        elif what == 'EXPUNGE':
            if verb in ('FETCH', 'STORE', 'SEARCH') and not uid:
                self.error('EXPUNGE during %s' % text[:40])
            if self.exists is None or not 1 <= n <= self.exists:
                self.error('EXPUNGE %d with %s messages' % (n, self.exists))
            else:
                self.exists -= 1
                del self.uids[n - 1]
        elif what == 'FETCH':
            if self.exists is None or not 1 <= n <= self.exists:
                return self.error('FETCH %d with %s messages: %r' % (n, self.exists, l[:100]))
            u = FETCH_UID.search(l)
            if u:
                self.check_uid(n, int(u.group(1)), l)

    def check_uid(self, n, uid, l):
        """A message keeps its UID, and UIDs ascend with sequence numbers."""
        known = self.uids[n - 1]
        if known is not None and known != uid:
            return self.error('message %d was UID %d, now %r' % (n, known, l[:100]))
        self.uids[n - 1] = uid
        lower = [u for u in self.uids[:n - 1] if u is not None]
        higher = [u for u in self.uids[n:] if u is not None]
        if (lower and lower[-1] >= uid) or (higher and higher[0] <= uid):
            self.error('UID %d of message %d out of order: %r' % (uid, n, l[:100]))

    def login(self):
        self.conn = Conn(self.args)
        greeting = self.conn.line().decode('utf-8', 'replace')
        if not (greeting.startswith('* OK') or greeting.startswith('* PREAUTH')):
            self.error('greeting %r' % greeting[:100])
        if greeting.startswith('* OK'):
            self.cmd('LOGIN "%s" "%s"' % (self.args.user, self.args.password))
        self.exists, self.uids = None, []

    def step(self):
        r = self.rnd.random()
        if self.exists is None or r < 0.05:
            self.exists, self.uids = None, []
            self.cmd('SELECT ' + self.args.mailbox)
            return
        top = max(self.exists, 1)
        a = self.rnd.randint(1, top)
        rng = '%d:%d' % (a, min(top, a + self.rnd.randint(0, 5)))
        if r < 0.30:
            self.cmd('FETCH %s (UID FLAGS RFC822.SIZE)' % rng if self.exists else 'NOOP')
        elif r < 0.40:
            self.cmd('UID FETCH %d:* (FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])' % self.rnd.randint(1, 50))
        elif r < 0.55:
            flag = self.rnd.choice(['\\Seen', '\\Flagged', '\\Deleted', '\\Answered', '$Work'])
            if self.exists:
                self.cmd('STORE %s %sFLAGS (%s)' % (rng, self.rnd.choice('+-'), flag))
        elif r < 0.60:
            self.cmd('EXPUNGE')
        elif r < 0.62:
            if self.exists:
                self.cmd('%s %s %s' % (self.rnd.choice(['COPY', 'MOVE']), rng, self.args.mailbox))
        elif r < 0.80:
            body = ('From: s%d@example.test\r\nSubject: stress %d\r\n\r\nbody %s\r\n'
                    % (self.n, self.commands, 'x' * self.rnd.randint(0, 2000))).encode()
            self.cmd('APPEND %s (\\Seen)' % self.args.mailbox, body)
        elif r < 0.84:
            self.cmd('SEARCH UNSEEN')
        elif r < 0.87:
            self.cmd(self.rnd.choice(['UID SEARCH UID %d:4294967295', 'UID FETCH %d:4294967295 (FLAGS)',
                                      'UID SEARCH UID *:%d'])
                     % self.rnd.randint(1, 4000))
        elif r < 0.95:
            self.cmd('NOOP')
        else:
            self.cmd('LOGOUT')
            self.conn.close()
            self.login()

    def run(self, until):
        try:
            self.login()
            while time.time() < until:
                self.step()
            self.cmd('LOGOUT')
        except Dropped as e:
            self.error('dropped: %s' % e)
        except Exception as e:  # a broken response the checks above did not foresee
            self.error('%s: %s' % (type(e).__name__, e))
        finally:
            if self.conn:
                self.conn.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--clients', type=int, default=10)
    ap.add_argument('--seconds', type=float, default=15)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--mailbox', default='INBOX')
    ap.add_argument('--command')
    ap.add_argument('--port', type=int)
    ap.add_argument('--user')
    ap.add_argument('--password')
    args = ap.parse_args()
    if not args.command and not (args.port and args.user):
        ap.error('--command or --port with --user and --password')
    errors, lock = [], threading.Lock()
    clients = [Client(i, args, errors, lock) for i in range(args.clients)]
    start = time.time()
    threads = [threading.Thread(target=c.run, args=(start + args.seconds,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.time() - start
    commands = sum(c.commands for c in clients)
    for e in errors[:20]:
        print(e)
    print('%s clients=%d commands=%d errors=%d seconds=%.1f commands/s=%.0f'
          % ('ok' if not errors else 'FAIL', args.clients, commands, len(errors), took, commands / took))
    sys.exit(1 if errors else 0)


if __name__ == '__main__':
    main()
