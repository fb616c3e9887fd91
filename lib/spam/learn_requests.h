// Applying the learning requests of spam/learn/ (learn_queue.h) to the global token store,
// as `posta-spamcheck learn --requests` and the spamlearn service do.
#pragma once
#include <cstddef>

#include "base/error.h"
#include "spam/learn.h"
#include "spam/token_store.h"

namespace posta::spam {

struct RequestCounts {
  LearnCounts learned;   // outcomes of the requests applied
  size_t dropped = 0;    // removed unlearned: learning is off (control/spamlearn)
  size_t failed = 0;     // unreadable: left in place to be tried again; not a regular file: removed
  // Whether the store changed, so that the published copy is out of date.
  bool changed() const { return learned.learned + learned.moved > 0; }
};

struct RequestOptions {
  LearnOptions learn;
  bool enabled = true;   // false: requests are removed without being learned
  size_t max = 1000;     // requests taken in one call
};

// Learns each pending request (oldest first) as its direction and removes it. A message
// already learned that way counts once (learn.h message_key); a request whose file vanished
// is counted in learned.vanished. A store failure stops at once and leaves the rest queued.
[[nodiscard]] Result<RequestCounts> apply_requests(TokenStore& store, const std::string& home,
                                                   const RequestOptions& o = {});

}  // namespace posta::spam
