# Spam filtering, posta-spamcheck against rspamd 3 (rspamc, Bayes in a redis of its own):
# accuracy on the SpamAssassin public corpus (setup figures) and messages/s through the whole
# filter (rounds). lib/spam_workload.sh says how.
# Accuracy on the evaluation split, 2026-12-07 (the classifier's choices made by
# cross-validation on the training split, lib/spam_tune.py):
#   posta before    60.4% of spam caught, 0.07% of ham flagged (hard ham 0.8%)
#   posta after     77.3% caught, 0.59% of ham flagged (easy 0/1400, hard 9/125)
#   rspamd          80.3% caught, 1.70% (easy 6/1400, hard 20/125)
#   spamassassin    87.4% caught, 0.79% (workload 95-spam-sa)
# Throughput, 8 clients, 2026-12-07 (load average 3.5-5 from a make test beside it):
#   evaluation pass (2,921 messages)  posta-spamcheck serve 383.1 msg/s, rspamd 152.7 (2.5x)
#   rounds (244 messages)             posta 409.9-451.7 msg/s, rspamd 250.4-294.2 (1.4-1.8x)
#   peak memory                       posta 237 MB (VmHWM of daemon and workers summed,
#                                     shared pages counted in each), rspamd 537 MB
#   a process per message             posta-spamcheck 43.7 msg/s, rspamc 22.3 msg/s
SPAM_PEER=rspamd
. "$(dirname "$0")/../lib/spam_workload.sh"
spam_workload "$1"
