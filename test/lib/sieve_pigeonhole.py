#!/usr/bin/python3
"""Runs every test/fixtures/sieve/cases/*.sieve against its message (first line
"# message: NAME.eml") with Pigeonhole's sieve-test and with posta-sieve-test, normalizes
both action lists and prints the pairs that differ. Exit 0 when all agree.

usage: sieve_pigeonhole.py FIXTURES_DIR POSTA_SIEVE_TEST WORKDIR"""
import os
import re
import shutil
import subprocess
import sys

SENDER = "sender@remote.test"
RECIPIENT = "user+work@example.com"


def dovecot_config(work):
    lines = [f"base_dir = {work}/run", "log_path = /dev/stderr", f"mail_location = maildir:{work}/mail"]
    if os.getuid() == 0:
        # sieve-test refuses to run mail access as root: it drops to mail_uid
        lines += ["mail_uid = nobody", "mail_gid = nogroup"]
    # extensions posta has that Pigeonhole leaves off by default
    lines += ["plugin {", "  sieve_extensions = +vacation-seconds", "}"]
    path = os.path.join(work, "dovecot.conf")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def sort_flags(line):
    m = re.match(r"^(\s*\+ add IMAP flags:)(.*)$", line)
    if not m:
        return line
    flags = sorted(f.lower() if f.startswith("\\") else f for f in m.group(2).split())
    return m.group(1) + "".join(" " + f for f in flags)


def normalize_pigeonhole(rc, out):
    if rc == 89 or "failed to compile" in out:
        return "compile error"
    if "final result: failed" in out:
        return "run-time error"
    lines, inside, in_message = [], False, False
    for line in out.splitlines():
        if line.startswith("Performed actions:"):
            inside = True
        # stderr is in out too: its warnings (a :seconds raised to the minimum) are not actions
        if not inside or line.startswith("sieve-test:") or re.match(r"^\S+: line \d+: warning: ", line):
            continue
        if line.startswith("START MESSAGE"):
            in_message = True
        if in_message:
            in_message = not line.startswith("END MESSAGE")
            continue
        if not line.strip() or "preserve implicit keep" in line:
            continue
        lines.append(sort_flags(line))
    return "\n".join(lines)


def normalize_posta(rc, out):
    if rc == 1:
        return "compile error"
    if rc == 2:
        return "run-time error"
    return "\n".join(sort_flags(l) for l in out.splitlines() if l.strip())


def main():
    fixtures, posta_tool, work = sys.argv[1:4]
    os.makedirs(work, exist_ok=True)
    os.chmod(work, 0o777)
    os.makedirs(os.path.join(work, "run"), exist_ok=True)
    os.makedirs(os.path.join(work, "mail"), exist_ok=True)
    for d in ("run", "mail"):
        os.chmod(os.path.join(work, d), 0o777)
    conf = dovecot_config(work)
    env = dict(os.environ, TZ="UTC")
    cases = sorted(f for f in os.listdir(os.path.join(fixtures, "cases")) if f.endswith(".sieve"))
    bad = 0
    for case in cases:
        src = os.path.join(fixtures, "cases", case)
        with open(src) as f:
            first = f.readline()
        m = re.match(r"# message: (\S+)", first)
        message = os.path.join(fixtures, "messages", m.group(1) if m else "plain.eml")
        # sieve-test writes a compiled .svbin next to the script: a copy in the work dir
        script = os.path.join(work, case)
        shutil.copy(src, script)
        os.chmod(script, 0o644)
        mcopy = os.path.join(work, "message.eml")
        shutil.copy(message, mcopy)
        os.chmod(mcopy, 0o644)
        p = subprocess.run(["sieve-test", "-c", conf, "-f", SENDER, "-r", RECIPIENT, script, mcopy],
                           capture_output=True, text=True, env=env)
        theirs = normalize_pigeonhole(p.returncode, p.stdout + p.stderr)
        q = subprocess.run([posta_tool, "-f", SENDER, "-r", RECIPIENT, script, mcopy],
                           capture_output=True, text=True, env=env)
        ours = normalize_posta(q.returncode, q.stdout)
        if theirs != ours:
            bad += 1
            print(f"== {case} ({os.path.basename(message)}) differs\n-- sieve-test:\n{theirs}\n-- posta:\n{ours}\n")
    print(f"{len(cases)} pairs, {bad} differ")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
