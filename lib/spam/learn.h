// Learning messages into a token store (token_store.h): message files, mbox files and Maildirs, as
// `posta-spamcheck learn --spam|--ham FILE|MAILDIR...` and `unlearn` do.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "spam/token_store.h"
#include "spam/tokenize.h"

namespace posta::spam {

// The key a message is learned under: SHA-256 (hex) of its Message-ID and its body (line
// ends made CRLF, at most the first TokenizeLimits::max_message bytes), so the copy the
// filter saw and the copy in a mailbox (with delivery fields added in front) share it.
std::string message_key(std::string_view message);

struct LearnOptions {
  TokenizeLimits limits;
  uint32_t day = 0;               // recorded as the tokens' last-learned day; 0: today()
  size_t batch_messages = 100;    // messages per transaction
  size_t batch_tokens = 20000;    // token updates per transaction (bounds its page locks)
};

struct LearnCounts {
  size_t learned = 0, moved = 0, already = 0;  // learning
  size_t unlearned = 0, not_learned = 0;       // unlearning
  size_t vanished = 0;  // Maildir files gone between the listing and the read (moved away)
  void add(LearnOutcome o);
};

// One message in memory: learns it as cls, or unlearns it when cls is nullopt.
[[nodiscard]] Result<LearnOutcome> learn_message(TokenStore& store, std::string_view message,
                                                 std::optional<Class> cls, const LearnOptions& o = {});

// Each path is a message file, an mbox file (its first line a "From " line: every message
// in it, mime/mbox.h) or a Maildir (a directory with cur/ or new/: every file in both). A path that is neither fails before anything is learned; the store changes in
// transactions of a batch of messages each, so a failure part way leaves the earlier
// batches learned.
[[nodiscard]] Result<LearnCounts> learn_paths(TokenStore& store, const std::vector<std::string>& paths,
                                              std::optional<Class> cls, const LearnOptions& o = {});

}  // namespace posta::spam
