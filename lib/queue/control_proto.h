// posta-qctl <-> posta-send over the unix stream socket queue/lock/control.
// One request line, one reply line, then the server closes:
//   "flush"              every deferred recipient of every message is due now
//   "retry ID"           the deferred recipients of message ID are due now
//   "hold ID"            no delivery for ID until released (in-flight ones finish)
//   "release ID"         undo hold; recipients due now
//   "bounce ID"          every pending recipient fails permanently now (DSN to the sender)
//   "delete ID"          removed without any notice (in-flight deliveries finish first)
// Reply: "ok <text>" or "error <text>" (unknown id, bad command). Lines end in "\n";
// a request longer than kMaxControlLine is refused.
#pragma once
#include <string>
#include <string_view>

#include "base/error.h"

namespace posta::queue {

inline constexpr size_t kMaxControlLine = 256;

struct ControlRequest {
  std::string command;  // flush retry hold release bounce delete
  std::string id;       // empty for flush
  bool operator==(const ControlRequest&) const = default;
};

std::string encode_control(const ControlRequest& r);  // with "\n"
[[nodiscard]] Result<ControlRequest> parse_control(std::string_view line);  // without "\n"

}  // namespace posta::queue
