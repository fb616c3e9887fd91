# Spam filtering, posta-spamcheck against rspamd 3 (rspamc, Bayes in a redis of its own):
# accuracy on the SpamAssassin public corpus (setup figures) and messages/s through the whole
# filter (rounds). lib/spam_workload.sh says how.
SPAM_PEER=rspamd
. "$(dirname "$0")/../lib/spam_workload.sh"
spam_workload "$1"
