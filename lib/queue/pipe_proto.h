// The pipes of the queue manager family (posta-start connects them):
//
//   posta-send fd 3 -> posta-lspawn fd 0     fd 4 <- posta-lspawn fd 1
//   posta-send fd 5 -> posta-rspawn fd 0     fd 6 <- posta-rspawn fd 1
//   posta-send fd 7 -> posta-clean  fd 0     fd 8 <- posta-clean  fd 1
//
// Every message is one netstring frame: decimal length (no leading zeros), ':', payload,
// ','. Payload: fields separated by NUL, the first field a one-letter type. Frames longer
// than kMaxFrame, a bad length, a missing ',' or a wrong field count are protocol errors:
// the reader treats the peer as broken and exits (the supervisor restarts the family).
//
// send -> spawn   "d" slot id sender queued-at host env rcpt...   (host "" for lspawn;
//                 lspawn takes exactly one rcpt, rspawn one or more of the same domain;
//                 env: "NAME=value" entries separated by '\n' that the spawn adds to the
//                 agent's environment, e.g. POSTA_SMTPUTF8=1, POSTA_BODY=8BITMIME, may be "")
// spawn -> send   "r" slot final final-text status-text...    final is K (delivered to
//                 all), Z (temporary) or D (permanent); then one field per rcpt, in request
//                 order: 'r' accepted / 'h' permanent / 's' temporary, followed by the text.
// send -> clean   "c" id
// clean -> send   "c" id ok ("1"/"0") text
// A spawn answers each request exactly once, in any order (slot ties them together).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace posta::queue {

inline constexpr size_t kMaxFrame = 4 << 20;

std::string frame(std::string_view payload);

// Accumulates bytes from a pipe and cuts frames out of them.
class FrameReader {
 public:
  void feed(std::string_view bytes) { buf_.append(bytes); }
  // A complete frame's payload, nullopt when more bytes are needed, an error when malformed.
  [[nodiscard]] Result<std::optional<std::string>> next();
  size_t buffered() const { return buf_.size() - pos_; }

 private:
  std::string buf_;
  size_t pos_ = 0;
};

struct DeliveryRequest {
  uint64_t slot = 0;
  std::string id;
  std::string sender;
  long long queued_at = 0;
  std::string host;
  std::vector<std::string> env;  // "NAME=value"
  std::vector<std::string> rcpts;
  bool operator==(const DeliveryRequest&) const = default;
};

struct RcptResult {
  char status = 's';  // r h s
  std::string text;
  bool operator==(const RcptResult&) const = default;
};

struct DeliveryResult {
  uint64_t slot = 0;
  char final = 'Z';  // K Z D
  std::string text;
  std::vector<RcptResult> rcpts;
  bool operator==(const DeliveryResult&) const = default;
};

struct CleanRequest {
  std::string id;
  bool operator==(const CleanRequest&) const = default;
};

struct CleanResult {
  std::string id;
  bool ok = false;
  std::string text;
  bool operator==(const CleanResult&) const = default;
};

// Payload encoders (wrap with frame()) and strict decoders.
std::string encode(const DeliveryRequest& r);
std::string encode(const DeliveryResult& r);
std::string encode(const CleanRequest& r);
std::string encode(const CleanResult& r);
[[nodiscard]] Result<DeliveryRequest> decode_request(std::string_view payload);
[[nodiscard]] Result<DeliveryResult> decode_result(std::string_view payload);
[[nodiscard]] Result<CleanRequest> decode_clean_request(std::string_view payload);
[[nodiscard]] Result<CleanResult> decode_clean_result(std::string_view payload);

// Parses a qmail-remote style report (r/h/s + text NUL per rcpt, then K/Z/D + text NUL) for
// n recipients. A short or malformed report yields Z with an explanation for the missing.
DeliveryResult parse_agent_report(std::string_view report, size_t n);

}  // namespace posta::queue
