// Learning requests: a user moving a message into Junk (spam) or out of it (ham) leaves a
// request in $POSTA_HOME/spam/learn/, which the learner (posta-spamcheck learn --requests)
// applies to the token store and removes.
//
// A request is a copy of the message (its first request_bytes(), all the learner reads),
// mode 0640, named "<unix time>.<pid>_<n>_<random>.<s|h>.<hex of user>", written in tmp/
// and renamed into new/ so that the learner never sees a half-made request. A copy, not a
// link: in a system-mode instance the writer (posta-imapd as posta-v, the mail store owner)
// and the learner (posta-c) are different users, and the learner may read the request
// through the group posta but no mailbox. There tmp/ and new/ are posta-c:posta 3730
// (posta-setup): the group may add files but neither list nor remove them, and every
// file gets the group posta; the random part keeps a name from being guessed.
#pragma once
#include <cstddef>
#include <ctime>
#include <string>
#include <vector>

#include "base/error.h"

namespace posta::spam {

enum class LearnAs { kSpam, kHam };
const char* learn_as_name(LearnAs as);  // "spam", "ham"

// $POSTA_HOME/spam/learn
std::string learn_queue_dir(const std::string& home);

// The bytes of a message a request keeps: the header block room and the body bytes that
// message_key and the tokenizer look at (learn.h).
size_t request_bytes();

// Leaves a request to learn the message at message_path as `as` for user.
[[nodiscard]] Status request_learning(const std::string& home, const std::string& user, LearnAs as,
                                      const std::string& message_path);

struct LearnRequest {
  std::string path;  // the request file (the message)
  std::string user;
  LearnAs as = LearnAs::kSpam;
};

// Up to max requests waiting in new/, oldest first. Names that are not requests are skipped
// (and left alone).
[[nodiscard]] Result<std::vector<LearnRequest>> pending_requests(const std::string& home, size_t max);

// Removes the files of tmp/ last changed more than 36 hours before now (qmail's rule for a
// Maildir's tmp/): requests whose writer died before renaming them. Returns how many.
[[nodiscard]] Result<size_t> remove_stale_requests(const std::string& home, time_t now);

// Whether a move between mailboxes of these special uses (RFC 6154 attributes, "" for none;
// Folders::special_use_of) teaches anything: into \Junk is spam, out of \Junk into anything
// but \Trash is ham.
bool move_teaches(std::string_view from_use, std::string_view to_use, LearnAs& as);

}  // namespace posta::spam
