// The line protocol between posta-smtpd and posta-policyd on run/policy.sock (posta-policyd(8)
// PROTOCOL). One request a line, one answer a line, in order, on a connection that may carry
// many; fields are separated by one space and percent-encoded (encode_field), "<>" being the
// empty field (the null sender):
//   greylist <ip> <sender> <rcpt>     ->  pass | defer <seconds>
//   rate <key> <limit> <window>       ->  ok | over
// Anything else, or a malformed line, is answered "error <text>".
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "base/error.h"

namespace posta::policy {

inline constexpr size_t kMaxPolicyLine = 2048;  // a line with its LF

struct GreylistRequest {
  std::string ip;      // the client's address as text
  std::string sender;  // "" for the null sender
  std::string rcpt;
  bool operator==(const GreylistRequest&) const = default;
};

// Counts one event under key in a fixed window of `window` seconds; over when the window
// already holds `limit` events (the refused event is not counted).
struct RateRequest {
  std::string key;
  uint32_t limit = 0;
  uint32_t window = 0;  // seconds, 1..
  bool operator==(const RateRequest&) const = default;
};

using Request = std::variant<GreylistRequest, RateRequest>;

struct Answer {
  enum class Kind { kPass, kDefer, kOk, kOver, kError };
  Kind kind = Kind::kError;
  uint32_t seconds = 0;  // kDefer
  std::string text;      // kError
  bool operator==(const Answer&) const = default;
};

// Fields: bytes <= 0x20, 0x7f, '%', '<' and '>' as %XX; "" as "<>". The decoder refuses
// those bytes unescaped, so a decoded field encodes to at most its own length.
std::string encode_field(std::string_view s);
[[nodiscard]] Result<std::string> decode_field(std::string_view s);

// Lines without their LF. The decoders are strict: a wrong word count, an unknown verb, a
// bad number or bad escape fails.
std::string encode_request(const Request& r);
[[nodiscard]] Result<Request> decode_request(std::string_view line);
std::string encode_answer(const Answer& a);
[[nodiscard]] Result<Answer> decode_answer(std::string_view line);

}  // namespace posta::policy
