# Spam filtering, posta-spamcheck against SpamAssassin 4 (spamd, spamc, sa-learn): accuracy on
# the SpamAssassin public corpus (setup figures) and messages/s through the whole filter
# (rounds). lib/spam_workload.sh says how.
SPAM_PEER=sa
. "$(dirname "$0")/../lib/spam_workload.sh"
spam_workload "$1"
