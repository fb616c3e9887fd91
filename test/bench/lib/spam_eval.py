#!/usr/bin/python3
"""The spam-filter evaluation of make bench (workloads 95-spam-sa, 96-spam-rspamd).

  prepare DATA DEST        split the corpus (DATA/<group>/*.txt) into Maildirs under DEST,
                           without the headers that would leak the label (see STRIP)
  classify FILTER ...      every message through a filter, JOBS at a time: spamd or rspamd
                           over their protocols, or a client process per message (spamc,
                           rspamc, posta-spamcheck as the queue program); prints
                           "RATE msg/s PEAK_KB COUNT"; --results writes one verdict a line
  posta-check ...          posta-spamcheck check --json over the messages (JOBS processes)
  summary NAME RESULTS     the accuracy figures of one filter, with the targets beside them

Layout of DEST: train/{easy-ham,hard-ham,spam} and eval/{easy-ham,hard-ham,spam}, each a
Maildir (cur/ holds the messages), so that every learner can be given a directory.
Training: easy-ham-1, spam-1 and the first half of hard-ham-1 (sorted file names);
evaluation: easy-ham-2, spam-2 and the second half of hard-ham-1. Nothing is tuned on the
evaluation groups: no filter sees them before it is evaluated, and nothing learns from them.
Results files: "KIND<TAB>FILE<TAB>VERDICT<TAB>SCORE" lines, KIND the Maildir's name
(easy-ham, hard-ham, spam), VERDICT spam, ham or error.
"""
import argparse
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time

# Headers that tell the label rather than the message: the verdicts of filters the
# collectors ran (X-Spam-*, X-Spam, X-SpamCop-*, MailScanner's X-*-SpamCheck, Razor and DCC
# signatures, a junk score) and the mailbox state of the collectors' mail clients
# (X-Keywords with "NotJunk", X-Status, Status, X-UIDL, X-Mozilla-Status*, X-PMFLAGS),
# which appear in one group and not the others. The mbox "From " line a collector's mailbox
# put before the headers goes too. Headers that relays added in transit (X-Virus-Scanned,
# X-MailScanner: clean) stay: a filter sees them in real mail.
STRIP = re.compile(
    rb"^(x-spam[a-z0-9-]*|x-[a-z0-9-]*-?spamcheck|x-razor-id|x-dcc-[a-z0-9-]*|x-junk[0-9]*"
    rb"|x-keywords|x-status|status|x-uidl|x-mozilla-status[0-9]*|x-pmflags|x-bogosity)$",
    re.I)

SPLIT = {  # (set, kind): [(group, which half of the sorted names, or None for all)]
    ("train", "easy-ham"): [("easy-ham-1", None)],
    ("train", "hard-ham"): [("hard-ham-1", 0)],
    ("train", "spam"): [("spam-1", None)],
    ("eval", "easy-ham"): [("easy-ham-2", None)],
    ("eval", "hard-ham"): [("hard-ham-1", 1)],
    ("eval", "spam"): [("spam-2", None)],
}
KINDS = ("easy-ham", "hard-ham", "spam")


def strip_message(raw, stripped):
    """raw without the mbox From line and the STRIP headers (continuation lines included);
    counts what went in stripped"""
    if raw.startswith(b"From "):
        raw = raw.split(b"\n", 1)[1] if b"\n" in raw else b""
        stripped["mbox From line"] = stripped.get("mbox From line", 0) + 1
    end = raw.find(b"\n\n")
    head, body = (raw, b"") if end < 0 else (raw[:end + 1], raw[end + 1:])
    out, dropping = [], False
    for line in head.splitlines(keepends=True):
        if line[:1] in (b" ", b"\t"):
            if not dropping:
                out.append(line)
            continue
        name = line.split(b":", 1)[0].strip() if b":" in line else b""
        dropping = bool(name) and STRIP.match(name) is not None
        if dropping:
            key = name.decode("latin-1")
            stripped[key] = stripped.get(key, 0) + 1
        else:
            out.append(line)
    return b"".join(out) + body


def prepare(args):
    stripped = {}
    counts = {}
    for (which, kind), sources in SPLIT.items():
        maildir = os.path.join(args.dest, which, kind)
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(maildir, sub), exist_ok=True)
        n = 0
        for group, half in sources:
            names = sorted(f for f in os.listdir(os.path.join(args.data, group)) if f.endswith(".txt"))
            if half is not None:
                mid = len(names) // 2
                names = names[:mid] if half == 0 else names[mid:]
            for f in names:
                with open(os.path.join(args.data, group, f), "rb") as fh:
                    raw = fh.read()
                # Maildir names: unique, with the info suffix of a seen message
                dest = os.path.join(maildir, "cur", "%s.%s:2,S" % (group, f[:-4]))
                with open(dest, "wb") as fh:
                    fh.write(strip_message(raw, stripped))
                n += 1
        counts["%s/%s" % (which, kind)] = n
    print(" ".join("%s=%d" % kv for kv in sorted(counts.items())))
    print("stripped: " + ", ".join("%s %d" % kv for kv in sorted(stripped.items())), file=sys.stderr)


def messages(dirs, every=1, offset=0):
    """[(kind, path)] of the Maildirs' cur/ messages in name order, every Nth from offset"""
    out = []
    for d in dirs:
        kind = os.path.basename(os.path.normpath(d))
        cur = os.path.join(d, "cur")
        out += [(kind, os.path.join(cur, f)) for f in sorted(os.listdir(cur))]
    return out[offset::every]


# A filter: check(path) gives (verdict, score, peak KB of a client process or 0) for one
# message. The process filters run a client per message (spamc, rspamc, posta-spamcheck);
# the protocol filters talk to the daemon themselves (SPAMC to spamd, HTTP to rspamd), one
# connection a message, as an MTA's milter or content filter does with no process per message.
class Process:
    env = None
    fd1 = None  # a file for descriptor 1 (posta-spamcheck reads the envelope there)
    pass_fds = ()

    def check(self, path):
        with open(path, "rb") as msg:
            out_fd = open(self.fd1, "rb") if self.fd1 else None
            try:
                p = subprocess.Popen(self.argv, stdin=msg, stdout=out_fd or subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, env=self.env, pass_fds=self.pass_fds)
                out = p.stdout.read() if p.stdout else b""
                _, status, ru = os.wait4(p.pid, 0)
                p.returncode = os.waitstatus_to_exitcode(status)
            finally:
                if out_fd:
                    out_fd.close()
        return self.verdict(p.returncode, out) + (ru.ru_maxrss,)


class Spamc(Process):
    # -c: "score/threshold", exit 1 spam 0 ham; -x: an error is an error, not "ham";
    # -s: as large as any corpus message, else spamc passes big messages unscanned
    def __init__(self, port):
        self.argv = ["spamc", "-d", "127.0.0.1", "-p", str(port), "-c", "-x", "-s", "10485760"]

    def verdict(self, rc, out):
        m = re.match(rb"\s*(-?[0-9.]+)/(-?[0-9.]+)", out)
        if rc not in (0, 1) or not m:
            return "error", ""
        score, threshold = float(m.group(1)), float(m.group(2))
        return ("spam" if score >= threshold else "ham"), "%g" % score


def rspamd_verdict(text):
    """spam: the action of an added header or worse (rspamd's "add header" threshold, 6 by
    default, is its counterpart of SpamAssassin's 5); greylist is not a spam verdict"""
    try:
        r = json.loads(text)
    except ValueError:
        return "error", ""
    if "action" not in r or r.get("is_skipped"):
        return "error", ""
    return ("spam" if r["action"] in ("add header", "rewrite subject", "reject") else "ham"), "%g" % r.get("score", 0)


class Rspamc(Process):
    def __init__(self, hostport):
        self.argv = ["rspamc", "-h", hostport, "-t", "60", "--json", "symbols"]

    def verdict(self, rc, out):
        return rspamd_verdict(out) if rc == 0 else ("error", "")


def exchange(port, request, half_close):
    """one TCP exchange with a loopback daemon: the request (then the end of the client's
    side when half_close, as spamc does), then everything it answers until it closes"""
    with socket.create_connection(("127.0.0.1", port), timeout=120) as s:
        s.sendall(request)
        if half_close:
            s.shutdown(socket.SHUT_WR)
        chunks = []
        while True:
            b = s.recv(65536)
            if not b:
                return b"".join(chunks)
            chunks.append(b)


class Protocol:
    """a daemon's own protocol, one connection a message: request(data) is what is sent,
    answer(reply) the verdict read from the reply"""
    half_close = False

    def __init__(self, port):
        self.port = int(str(port).rsplit(":", 1)[-1])

    def check(self, path):
        with open(path, "rb") as fh:
            data = fh.read()
        try:
            reply = exchange(self.port, self.request(data), self.half_close)
        except OSError:
            return "error", "", 0
        return self.answer(reply) + (0,)


class SpamdProtocol(Protocol):
    """what spamc does, without spamc's process: CHECK in the SPAMC protocol"""
    half_close = True

    def request(self, data):
        return b"CHECK SPAMC/1.5\r\nContent-length: %d\r\n\r\n" % len(data) + data

    def answer(self, reply):
        m = re.search(rb"\r\nSpam: (True|False) ; (-?[0-9.]+) / (-?[0-9.]+)", reply)
        if not reply.startswith(b"SPAMD/") or b" 0 EX_OK" not in reply.split(b"\r\n", 1)[0] or not m:
            return "error", ""
        return ("spam" if m.group(1) == b"True" else "ham"), m.group(2).decode()


class RspamdProtocol(Protocol):
    """what rspamc and rspamd's proxy do: POST /checkv2, the message as the body"""

    def request(self, data):
        return b"POST /checkv2 HTTP/1.0\r\nContent-Length: %d\r\n\r\n" % len(data) + data

    def answer(self, reply):
        head, _, body = reply.partition(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.") or head.split(None, 2)[1] != b"200":
            return "error", ""
        return rspamd_verdict(body)


class PostaQueue(Process):
    """posta-spamcheck as the queue program, as posta-smtpd runs it: the message on fd 0,
    the envelope on fd 1, the refusal text on fd 6; exit 0 passed on to the queue, exit 82
    refused (a rejected spam, a virus, a policy refusal). A passed message's spam flag is
    in the queued copy, which the throughput run does not read: its verdict is "passed"."""

    def __init__(self, binary, home, envelope):
        self.argv = [binary]
        self.env = dict(os.environ, POSTA_HOME=home, TCPREMOTEIP="127.0.0.1")
        self.fd1 = envelope
        # fd 6 (the refusal text) goes nowhere here; posta-smtpd reads it
        os.dup2(os.open(os.devnull, os.O_WRONLY), 6, inheritable=True)
        self.pass_fds = (6,)

    def verdict(self, rc, out):
        return {0: ("passed", ""), 82: ("refused", "")}.get(rc, ("error", ""))


class PostaServe:
    """posta-spamcheck serve, the resident filter, as posta-smtpd hands it a message: the
    four descriptors of the queue program (message, envelope, fd 6, queue id) in one frame
    over run/spamcheck.sock, then "ok" and "exit N" (0 passed on, 82 refused). Its children
    are not ours to measure: PEAK_KB is 0 and the workload measures the daemon."""

    frame = b"posta-spamcheck 1\nTCPREMOTEIP=127.0.0.1\n\n"

    def __init__(self, home, envelope):
        self.socket = os.path.join(home, "run", "spamcheck.sock")
        self.envelope = envelope

    def check(self, path):
        with open(path, "rb") as msg, open(self.envelope, "rb") as env, \
                open(os.devnull, "wb") as fd6, open(os.devnull, "wb") as idfd:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(self.socket)
                socket.send_fds(s, [self.frame], [msg.fileno(), env.fileno(), fd6.fileno(), idfd.fileno()])
                answer = b"".join(iter(lambda: s.recv(64), b""))
            except OSError:
                return "error", "", 0
            finally:
                s.close()
        m = re.fullmatch(rb"ok\nexit (\d+)\n", answer)
        rc = int(m.group(1)) if m else -1
        return {0: ("passed", ""), 82: ("refused", "")}.get(rc, ("error", "")) + (0,)


class Floor(Process):
    """the driver's own ceiling: a process that reads the message and answers, per message"""
    argv = ["cat"]

    def verdict(self, rc, out):
        return ("ham" if rc == 0 else "error"), ""


def make_filter(args):
    kind, _, rest = args.filter.partition(":")
    filters = {
        "spamc": lambda: Spamc(rest),
        "spamd": lambda: SpamdProtocol(rest),
        "rspamc": lambda: Rspamc(rest),
        "rspamd": lambda: RspamdProtocol(rest),
        "posta-queue": lambda: PostaQueue(args.posta_bin, args.posta_home, args.envelope),
        "posta-serve": lambda: PostaServe(args.posta_home, args.envelope),
        "floor": Floor,
    }
    if kind not in filters:
        sys.exit("spam_eval: unknown filter %s" % args.filter)
    return filters[kind]()


def classify(args):
    flt = make_filter(args)
    todo = messages(args.dirs, args.every, args.offset)
    if args.limit:
        todo = todo[:args.limit]
    results = [None] * len(todo)
    peak = [0]
    nxt = [0]
    lock = threading.Lock()

    def worker():
        while True:
            with lock:
                i = nxt[0]
                nxt[0] += 1
            if i >= len(todo):
                return
            kind, path = todo[i]
            verdict, score, rss = flt.check(path)
            results[i] = (kind, os.path.basename(path), verdict, score)
            with lock:
                peak[0] = max(peak[0], rss)

    t0 = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(args.jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    secs = time.monotonic() - t0
    write_results(args.results, results)
    errors = sum(1 for r in results if r[2] == "error")
    if errors:
        print("spam_eval: %d of %d messages without a verdict" % (errors, len(results)), file=sys.stderr)
    if errors > len(results) // 100:
        sys.exit(1)
    # PEAK_KB: the largest client process (for posta-spamcheck, the filter itself)
    print("%.1f msg/s %d %d" % (len(results) / secs, peak[0], len(results)))


def write_results(path, results):
    if not path:
        return
    with open(path, "w") as fh:
        for r in results:
            fh.write("\t".join(r) + "\n")


def posta_check(args):
    """posta-spamcheck check --json FILE...: one JSON object a message, either one a line
    or all in one array, each with the file ("file" or "path") and the verdict ("verdict":
    ham|spam|reject|virus|policy, or "spam": true/false) and "score"; objects without a
    file name are matched to the files in order"""
    todo = messages(args.dirs, args.every, args.offset)
    env = dict(os.environ, POSTA_HOME=args.posta_home)
    batches = [todo[i:i + args.batch] for i in range(0, len(todo), args.batch)]
    results = {}
    lock = threading.Lock()
    failed = []

    def worker(mine):
        for batch in mine:
            p = subprocess.run([args.posta_bin, "check", "--json"] + [m[1] for m in batch],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            try:
                got = parse_check_json(p.stdout, batch)
            except ValueError as e:
                with lock:
                    failed.append("%s (exit %d): %s" % (e, p.returncode, p.stderr.decode(errors="replace")[-300:]))
                continue
            with lock:
                results.update(got)

    t0 = time.monotonic()
    threads = [threading.Thread(target=worker, args=(batches[j::args.jobs],)) for j in range(args.jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    secs = time.monotonic() - t0
    if failed:
        sys.exit("spam_eval: posta-spamcheck check: " + failed[0])
    rows = [results.get(path, (kind, os.path.basename(path), "error", "")) for kind, path in todo]
    write_results(args.results, rows)
    print("%.1f msg/s 0 %d" % (len(rows) / secs, len(rows)))


def parse_check_json(out, batch):
    text = out.decode("utf-8", errors="replace").strip()
    if text.startswith("["):
        objs = json.loads(text)
    else:
        objs = [json.loads(line) for line in text.splitlines() if line.strip()]
    if len(objs) != len(batch):
        raise ValueError("%d verdicts for %d files" % (len(objs), len(batch)))
    kinds = {path: kind for kind, path in batch}
    got = {}
    for (kind, path), o in zip(batch, objs):
        path = o.get("file", o.get("path", path))
        if "verdict" in o:
            spam = o["verdict"] in ("spam", "reject")
        elif "spam" in o:
            spam = bool(o["spam"])
        else:
            raise ValueError("no verdict in %r" % o)
        got[path] = (kinds.get(path, kind), os.path.basename(path), "spam" if spam else "ham",
                     "%g" % float(o.get("score", 0)))
    return got


def accuracy(path):
    """{kind: (spam verdicts, messages)}, errors"""
    tally = {k: [0, 0] for k in KINDS}
    errors = 0
    with open(path) as fh:
        for line in fh:
            kind, _, verdict, _ = line.rstrip("\n").split("\t")
            if verdict == "error":
                errors += 1
                continue
            tally[kind][1] += 1
            tally[kind][0] += verdict == "spam"
    return tally, errors


def pct(a, b):
    return 100.0 * a / b if b else 0.0


def figures(tally):
    ham = [tally["easy-ham"][i] + tally["hard-ham"][i] for i in (0, 1)]
    return {
        "spam_caught": pct(*tally["spam"]),
        "fp_easy_ham": pct(*tally["easy-ham"]),
        "fp_hard_ham": pct(*tally["hard-ham"]),
        "fp_ham": pct(*ham),
        # the errors a user sees: missed spam plus ham flagged, over all messages
        "errors": (tally["spam"][1] - tally["spam"][0]) + ham[0],
    }


def summary(args):
    """figure lines of one filter; for posta, the targets name the better peer (the one with
    fewer errors, missed spam plus flagged ham) among the peers' results given"""
    tally, errors = accuracy(args.results)
    f = figures(tally)
    n = args.name
    better = None
    for p in args.peer or []:
        name, _, path = p.partition("=")
        if os.path.exists(path):
            pf = figures(accuracy(path)[0])
            if better is None or pf["errors"] < better[1]["errors"]:
                better = (name, pf)
    beside = ""
    if better:
        beside = " and the better peer (%s)" % better[0]

    def target(key, op, goal):
        if not better:
            return "target %s %s" % (op, goal)
        return "target %s %s%s: %.2f" % (op, goal, beside, better[1][key])

    s, eh, hh = tally["spam"], tally["easy-ham"], tally["hard-ham"]
    print("figure: %s_spam_caught %.2f %% (%d/%d; %s)" % (n, f["spam_caught"], s[0], s[1], target("spam_caught", ">=", 95)))
    print("figure: %s_fp_easy_ham %.2f %% (%d/%d; %s)" % (n, f["fp_easy_ham"], eh[0], eh[1], target("fp_easy_ham", "<=", 0.1)))
    print("figure: %s_fp_hard_ham %.2f %% (%d/%d; %s)" % (n, f["fp_hard_ham"], hh[0], hh[1], target("fp_hard_ham", "<=", 0.1)))
    print("figure: %s_fp_ham %.2f %% (%d/%d; %s)" % (n, f["fp_ham"], eh[0] + hh[0], eh[1] + hh[1], target("fp_ham", "<=", 0.1)))
    if errors:
        print("figure: %s_no_verdict %d messages" % (n, errors))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("data")
    p.add_argument("dest")
    for name in ("classify", "posta-check"):
        p = sub.add_parser(name)
        if name == "classify":
            p.add_argument("filter", help="spamd:PORT | spamc:PORT | rspamd:HOST:PORT | rspamc:HOST:PORT"
                           " | posta-queue | posta-serve | floor")
            p.add_argument("--envelope", help="posta-queue, posta-serve: the envelope file given on fd 1")
            p.add_argument("--limit", type=int, default=0, help="at most this many messages")
        else:
            p.add_argument("--batch", type=int, default=200, help="files per posta-spamcheck check")
        p.add_argument("--jobs", type=int, default=os.cpu_count())
        p.add_argument("--every", type=int, default=1, help="every Nth message (a sample)")
        p.add_argument("--offset", type=int, default=0)
        p.add_argument("--results")
        p.add_argument("--posta-bin")
        p.add_argument("--posta-home")
        p.add_argument("dirs", nargs="+", help="Maildirs (their cur/ messages)")
    p = sub.add_parser("summary")
    p.add_argument("name")
    p.add_argument("results")
    p.add_argument("--peer", action="append", help="NAME=RESULTS of a peer, for the targets")
    args = ap.parse_args()
    {"prepare": prepare, "classify": classify, "posta-check": posta_check, "summary": summary}[args.cmd](args)


if __name__ == "__main__":
    main()
