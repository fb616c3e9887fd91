// Read-only views of the spool for posta-mailq and posta-qstat (never writes, never locks:
// a message changing while it is read shows in its newest complete state, or is skipped).
#pragma once
#include <string>
#include <vector>

#include "base/error.h"
#include "queue/spool.h"

namespace posta::queue {

struct RcptView {
  std::string address;
  std::string channel;    // "local", "remote", "" (not yet picked up)
  std::string state;      // "queued", "deferred", "delivered", "failed", "bouncing"
  int attempts = 0;
  std::string reason;     // last reason
  long long next_try = 0; // deferred: not before; 0 = as soon as possible
};

struct MessageView {
  std::string id;
  long long arrival = 0;
  long long size = 0;
  std::string sender;
  bool picked_up = false;  // false: still in todo/
  bool held = false;
  std::vector<RcptView> rcpts;
};

// Every message in todo/ and info/, oldest first.
[[nodiscard]] Result<std::vector<MessageView>> read_queue(const Spool& spool);

std::string json_escape(std::string_view s);
std::string to_json(const MessageView& m);

}  // namespace posta::queue
