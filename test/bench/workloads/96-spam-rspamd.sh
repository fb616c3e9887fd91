# Spam filtering, posta-spamcheck against rspamd 3 (rspamc, Bayes in a redis of its own):
# accuracy on the SpamAssassin public corpus (setup figures) and messages/s through the whole
# filter (rounds). lib/spam_workload.sh says how.
# Accuracy on the evaluation split, 2026-12-07 (the classifier's choices made by
# cross-validation on the training split, lib/spam_tune.py):
#   posta before    60.4% of spam caught, 0.07% of ham flagged (hard ham 0.8%)
#   posta after     77.3% caught, 0.59% of ham flagged (easy 0/1400, hard 9/125)
#   rspamd          80.3% caught, 1.70% (easy 6/1400, hard 20/125)
#   spamassassin    87.4% caught, 0.79% (workload 95-spam-sa)
# Throughput, 8 clients, same run (load average 9-13 from other work on the 2 cores):
#   posta-spamcheck serve  98.6-103.3 msg/s, 8.8 MB (daemon and workers)
#   rspamd                 69.1-71.7 msg/s, 587 MB (with its redis)
#   posta-spamcheck as a process per message 20.6 msg/s; rspamc per message 8.7 msg/s
SPAM_PEER=rspamd
. "$(dirname "$0")/../lib/spam_workload.sh"
spam_workload "$1"
