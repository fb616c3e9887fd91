// The posta-auth <-> posta-authd protocol (man/posta-authd.8, "PROTOCOL"): one request and
// one answer per connection over $POSTA_HOME/run/authd.sock. Each message is a frame: a
// 4-byte big-endian payload length, then the payload, NUL-terminated fields:
//   request:  "A1" login password ip                      (4 fields)
//   answer:   "R1" kind hash_us reason failures delay_ms address maildir quota_bytes
//             quota_messages store_host master            (12 fields)
// kind is "ok", "no" (refused) or "tmp" (trouble). Numbers are decimal without sign or
// leading zeros. The decoders are strict: wrong tag, field count, size or number, and
// trailing bytes are errors.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "accounts/auth_check.h"
#include "base/error.h"

namespace posta::accounts {

inline constexpr size_t kAuthFrameHeader = 4;
inline constexpr size_t kMaxAuthRequest = 4096;   // payload bytes
inline constexpr size_t kMaxAuthAnswer = 8192;
inline constexpr size_t kMaxAuthField = 2048;     // login, password (fd 3 holds 2048 in all)
inline constexpr size_t kMaxAuthIp = 64;

// The payload length from a frame header; an error when 0 or past max.
[[nodiscard]] Result<size_t> auth_frame_length(std::string_view header, size_t max);

// Whole frames (header and payload). encode_auth_request fails on oversized fields.
[[nodiscard]] Result<std::string> encode_auth_request(const AuthRequest& r);
std::string encode_auth_answer(const AuthAnswer& a);

// Payloads (without the header).
[[nodiscard]] Result<AuthRequest> decode_auth_request(std::string_view payload);
[[nodiscard]] Result<AuthAnswer> decode_auth_answer(std::string_view payload);

}  // namespace posta::accounts
