// Learning requests: a user moving a message into Junk (spam) or out of it (ham) leaves a
// request in $POSTA_HOME/spam/learn/, which the learner (posta-spamcheck learn --requests)
// applies to the token store and removes.
//
// A request is a hard link to the message file (no copy; the link keeps the bytes when the
// user expunges the message) named "<unix time>.<pid>_<n>.<s|h>.<hex of user>", made in
// tmp/ and renamed into new/ so that the learner never sees a half-made request. A message
// on another file system than spam/ is copied instead.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "base/error.h"

namespace posta::spam {

enum class LearnAs { kSpam, kHam };
const char* learn_as_name(LearnAs as);  // "spam", "ham"

// $POSTA_HOME/spam/learn
std::string learn_queue_dir(const std::string& home);

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

// Whether a mailbox move from `from` to `to` teaches anything: into Junk is spam, out of Junk
// into anything but Trash is ham.
bool move_teaches(const std::string& from, const std::string& to, LearnAs& as);

}  // namespace posta::spam
