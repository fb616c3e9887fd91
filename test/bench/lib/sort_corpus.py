"""The imap-sort workload's folder (test/bench/workloads/74-imap-sort.sh): N threaded
messages in MAILDIR/cur, replies to recent messages with References, one Date each.
usage: sort_corpus.py MAILDIR N"""
import os, random, sys, time
md, n = sys.argv[1], int(sys.argv[2])
r = random.Random(5256)
topics = ['topic %d' % k for k in range(n // 20 + 1)]
days = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']
for i in range(n):
    t = 1600000000 + i * 60 + r.randrange(3600)
    topic = r.randrange(len(topics))
    refs = ''
    if i >= 20 and r.random() < 0.7:
        # a reply to a recent message: its References and one more id
        p = i - r.randrange(1, 20)
        refs = 'References: %s<%d@bench>\n' % (''.join('<%d@bench> ' % q for q in range(max(0, p - 3), p)), p)
    subject = ('Re: ' if refs else '') + topics[topic]
    tm = time.gmtime(t)
    date = '%s, %d %s %d %02d:%02d:%02d +0000' % (days[tm.tm_wday], tm.tm_mday, time.strftime('%b', tm),
                                                tm.tm_year, tm.tm_hour, tm.tm_min, tm.tm_sec)
    data = 'From: a%d@example.org\nTo: list@example.org\nSubject: %s\nDate: %s\nMessage-ID: <%d@bench>\n%s\nbody %d\n' % (
        r.randrange(500), subject, date, i, refs, i)
    name = '%d.M%dP1.bench,S=%d:2,S' % (1700000000 + i, i, len(data))
    with open(os.path.join(md, 'cur', name), 'w') as f:
        f.write(data)
