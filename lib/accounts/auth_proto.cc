#include "accounts/auth_proto.h"

#include <charconv>
#include <vector>

#include "log/log.h"

namespace posta::accounts {
namespace {

constexpr std::string_view kRequestTag = "A1";
constexpr std::string_view kAnswerTag = "R1";
constexpr size_t kRequestFields = 4;
constexpr size_t kAnswerFields = 12;

std::string frame(const std::string& payload) {
  uint32_t n = static_cast<uint32_t>(payload.size());
  std::string out;
  out.reserve(kAuthFrameHeader + payload.size());
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((n >> shift) & 0xff));
  return out + payload;
}

void add(std::string& payload, std::string_view field) {
  payload.append(field);
  payload.push_back('\0');
}

// Exactly count NUL-terminated fields, nothing after the last NUL.
Result<std::vector<std::string_view>> split_fields(std::string_view p, size_t count) {
  std::vector<std::string_view> f;
  while (!p.empty()) {
    auto nul = p.find('\0');
    if (nul == std::string_view::npos) return fail("unterminated field");
    if (f.size() == count) return fail("too many fields");
    f.push_back(p.substr(0, nul));
    p.remove_prefix(nul + 1);
  }
  if (f.size() != count) return fail("expected " + std::to_string(count) + " fields, got " + std::to_string(f.size()));
  return f;
}

template <class T>
Result<T> number(std::string_view s, const char* what) {
  T v{};
  bool leading_zero = s.size() > 1 && s[0] == '0';
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || s[0] == '-' || leading_zero || ec != std::errc() || p != s.data() + s.size())
    return fail(std::string("bad number for ") + what);
  return v;
}

Result<AuthAnswer::Kind> kind_of(std::string_view s) {
  if (s == "ok") return AuthAnswer::Kind::kOk;
  if (s == "no") return AuthAnswer::Kind::kRefused;
  if (s == "tmp") return AuthAnswer::Kind::kTrouble;
  return fail("bad answer kind");
}

std::string_view kind_name(AuthAnswer::Kind k) {
  return k == AuthAnswer::Kind::kOk ? "ok" : k == AuthAnswer::Kind::kRefused ? "no" : "tmp";
}

}  // namespace

Result<size_t> auth_frame_length(std::string_view header, size_t max) {
  if (header.size() != kAuthFrameHeader) return fail("short frame header");
  size_t n = 0;
  for (unsigned char c : header) n = (n << 8) | c;
  if (n == 0 || n > max) return fail("frame length " + std::to_string(n) + " out of range");
  return n;
}

Result<std::string> encode_auth_request(const AuthRequest& r) {
  if (r.login.size() > kMaxAuthField || r.password.size() > kMaxAuthField || r.ip.size() > kMaxAuthIp)
    return fail("credentials too long");
  for (std::string_view f : {std::string_view(r.login), std::string_view(r.password), std::string_view(r.ip)})
    if (f.find('\0') != std::string_view::npos) return fail("NUL inside a field");
  std::string p;
  add(p, kRequestTag);
  add(p, r.login);
  add(p, r.password);
  add(p, r.ip);
  return frame(p);
}

Result<AuthRequest> decode_auth_request(std::string_view payload) {
  if (payload.size() > kMaxAuthRequest) return fail("request too long");
  auto f = split_fields(payload, kRequestFields);
  if (!f) return std::unexpected(f.error());
  auto& v = *f;
  if (v[0] != kRequestTag) return fail("unknown request tag " + log::printable(v[0], 16));
  if (v[1].size() > kMaxAuthField || v[2].size() > kMaxAuthField) return fail("field too long");
  if (v[3].size() > kMaxAuthIp) return fail("address too long");
  return AuthRequest{std::string(v[1]), std::string(v[2]), std::string(v[3])};
}

std::string encode_auth_answer(const AuthAnswer& a) {
  std::string p;
  add(p, kAnswerTag);
  add(p, kind_name(a.kind));
  add(p, std::to_string(a.hash_us < 0 ? 0 : a.hash_us));
  add(p, log::printable(a.reason, 200));
  add(p, std::to_string(a.failures));
  add(p, std::to_string(a.delay_ms));
  add(p, a.user.address);
  add(p, a.user.maildir);
  add(p, std::to_string(a.user.quota_bytes));
  add(p, std::to_string(a.user.quota_messages));
  add(p, a.user.store_host);
  add(p, a.master);
  return frame(p);
}

Result<AuthAnswer> decode_auth_answer(std::string_view payload) {
  if (payload.size() > kMaxAuthAnswer) return fail("answer too long");
  auto f = split_fields(payload, kAnswerFields);
  if (!f) return std::unexpected(f.error());
  auto& v = *f;
  if (v[0] != kAnswerTag) return fail("unknown answer tag " + log::printable(v[0], 16));
  AuthAnswer a;
  auto kind = kind_of(v[1]);
  auto hash = number<int64_t>(v[2], "hash_us");
  auto failures = number<uint32_t>(v[4], "failures");
  auto delay = number<uint32_t>(v[5], "delay_ms");
  auto qb = number<uint64_t>(v[8], "quota_bytes");
  auto qm = number<uint64_t>(v[9], "quota_messages");
  if (!kind) return std::unexpected(kind.error());
  if (!hash) return std::unexpected(hash.error());
  if (!failures) return std::unexpected(failures.error());
  if (!delay) return std::unexpected(delay.error());
  if (!qb) return std::unexpected(qb.error());
  if (!qm) return std::unexpected(qm.error());
  a.kind = *kind;
  a.hash_us = *hash;
  a.reason = std::string(v[3]);
  a.failures = *failures;
  a.delay_ms = *delay;
  a.user.address = std::string(v[6]);
  a.user.maildir = std::string(v[7]);
  a.user.quota_bytes = *qb;
  a.user.quota_messages = *qm;
  a.user.store_host = std::string(v[10]);
  a.master = std::string(v[11]);
  if (a.kind == AuthAnswer::Kind::kOk && (a.user.address.empty() || a.user.maildir.empty()))
    return fail("an ok answer without address or Maildir");
  return a;
}

}  // namespace posta::accounts
