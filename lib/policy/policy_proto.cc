#include "policy/policy_proto.h"

#include <charconv>
#include <vector>

#include "base/hex.h"
#include "base/strings.h"

namespace posta::policy {
namespace {

Result<uint32_t> number(std::string_view s, uint32_t lo, const char* what) {
  uint32_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || s.size() > 10 || ec != std::errc() || p != s.data() + s.size() || v < lo)
    return fail(std::string("policy: bad ") + what);
  return v;
}

}  // namespace

std::string encode_field(std::string_view s) {
  if (s.empty()) return "<>";
  return hex_escape(s, "%", [](unsigned char c) { return c <= 0x20 || c == 0x7f || c == '%' || c == '<' || c == '>'; });
}

Result<std::string> decode_field(std::string_view s) {
  if (s == "<>") return std::string();
  if (s.empty()) return fail("policy: empty field");
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c <= 0x20 || c == 0x7f) return fail("policy: control character in a field");
    // raw '<' and '>' would be re-encoded three times longer: a line under the limit must
    // stay under it when posta-policyd or a test encodes what it decoded
    if (c == '<' || c == '>') return fail("policy: unescaped angle bracket in a field");
    if (c != '%') {
      out += static_cast<char>(c);
      continue;
    }
    if (i + 2 >= s.size()) return fail("policy: bad escape");
    int hi = hex_digit_value(s[i + 1]), lo = hex_digit_value(s[i + 2]);
    if (hi < 0 || lo < 0) return fail("policy: bad escape");
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

std::string encode_request(const Request& r) {
  if (auto* g = std::get_if<GreylistRequest>(&r))
    return "greylist " + encode_field(g->ip) + " " + encode_field(g->sender) + " " + encode_field(g->rcpt);
  auto& q = std::get<RateRequest>(r);
  return "rate " + encode_field(q.key) + " " + std::to_string(q.limit) + " " + std::to_string(q.window);
}

Result<Request> decode_request(std::string_view line) {
  if (line.size() >= kMaxPolicyLine) return fail("policy: request too long");
  // one space between words: an empty word (two spaces, a leading or trailing one) is malformed
  auto w = split(line, ' ');
  if (w[0] == "greylist" && w.size() == 4) {
    GreylistRequest g;
    POSTA_TRY(g.ip, decode_field(w[1]));
    POSTA_TRY(g.sender, decode_field(w[2]));
    POSTA_TRY(g.rcpt, decode_field(w[3]));
    if (g.ip.empty() || g.rcpt.empty()) return fail("policy: greylist needs an address and a recipient");
    return g;
  }
  if (w[0] == "rate" && w.size() == 4) {
    RateRequest q;
    POSTA_TRY(q.key, decode_field(w[1]));
    if (q.key.empty()) return fail("policy: empty rate key");
    POSTA_TRY(q.limit, number(w[2], 0, "limit"));
    POSTA_TRY(q.window, number(w[3], 1, "window"));
    return q;
  }
  return fail("policy: unknown request");
}

std::string encode_answer(const Answer& a) {
  switch (a.kind) {
    case Answer::Kind::kPass:
      return "pass";
    case Answer::Kind::kDefer:
      return "defer " + std::to_string(a.seconds);
    case Answer::Kind::kOk:
      return "ok";
    case Answer::Kind::kOver:
      return "over";
    case Answer::Kind::kError:
      break;
  }
  std::string t;
  for (char c : a.text) t += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
  return "error " + (t.empty() ? std::string("unknown") : t.substr(0, 200));
}

Result<Answer> decode_answer(std::string_view line) {
  if (line.size() >= kMaxPolicyLine) return fail("policy: answer too long");
  Answer a;
  if (line == "pass")
    a.kind = Answer::Kind::kPass;
  else if (line == "ok")
    a.kind = Answer::Kind::kOk;
  else if (line == "over")
    a.kind = Answer::Kind::kOver;
  else if (line.starts_with("defer ")) {
    a.kind = Answer::Kind::kDefer;
    POSTA_TRY(a.seconds, number(line.substr(6), 0, "defer time"));
  } else if (line.starts_with("error ") && line.size() > 6) {
    a.kind = Answer::Kind::kError;
    a.text = std::string(line.substr(6));
    for (unsigned char c : a.text)
      if (c < 0x20 || c == 0x7f) return fail("policy: control character in an answer");
  } else {
    return fail("policy: unknown answer");
  }
  return a;
}

}  // namespace posta::policy
