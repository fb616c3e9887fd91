#include "spf/macro.h"

#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <vector>

#include "base/strings.h"

namespace posta::spf {
namespace {

constexpr std::string_view kDelimiters = ".-+,/_=";

bool is_letter(char c, MacroUse use) {
  switch (std::tolower(static_cast<unsigned char>(c))) {
    case 's': case 'l': case 'o': case 'd': case 'i': case 'p': case 'h': case 'v': return true;
    case 'c': case 'r': case 't': return use == MacroUse::kExplanation;
    default: return false;
  }
}

struct Macro {
  char letter = 0;     // lower case
  bool escape = false; // written in upper case: URL-escape the result
  size_t keep = 0;     // rightmost parts to keep, 0: all
  bool reverse = false;
  std::string delimiters;
};

// Parses "%{...}" starting at s[i] == '%' and s[i+1] == '{'; i moves past the '}'.
Result<Macro> parse_macro(std::string_view s, size_t& i, MacroUse use) {
  size_t close = s.find('}', i + 2);
  if (close == std::string_view::npos) return fail("unterminated macro in " + std::string(s));
  std::string_view body = s.substr(i + 2, close - i - 2);
  if (body.empty() || !is_letter(body[0], use))
    return fail("invalid macro letter in " + std::string(s));
  Macro m;
  m.letter = static_cast<char>(std::tolower(static_cast<unsigned char>(body[0])));
  m.escape = std::isupper(static_cast<unsigned char>(body[0]));
  size_t j = 1;
  bool digits = false;
  while (j < body.size() && std::isdigit(static_cast<unsigned char>(body[j]))) {
    digits = true;
    m.keep = std::min<size_t>(m.keep * 10 + static_cast<size_t>(body[j] - '0'), 1000);
    ++j;
  }
  if (digits && m.keep == 0) return fail("macro transformer 0 in " + std::string(s));
  if (j < body.size() && (body[j] == 'r' || body[j] == 'R')) {
    m.reverse = true;
    ++j;
  }
  for (; j < body.size(); ++j) {
    if (kDelimiters.find(body[j]) == std::string_view::npos)
      return fail("invalid macro delimiter in " + std::string(s));
    m.delimiters.push_back(body[j]);
  }
  if (m.delimiters.empty()) m.delimiters = ".";
  i = close + 1;
  return m;
}

std::string url_escape(const std::string& v) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : v) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

std::string letter_value(char letter, const MacroContext& ctx) {
  switch (letter) {
    case 's': return ctx.sender;
    case 'l': return ctx.local_part;
    case 'o': return ctx.sender_domain;
    case 'd': return ctx.domain;
    case 'i': return macro_ip(ctx.ip);
    case 'p': return ctx.validated_name ? ctx.validated_name() : "unknown";
    case 'h': return ctx.helo;
    case 'v': return ctx.ip.family == AF_INET6 ? "ip6" : "in-addr";
    case 'c': return ctx.ip.str();
    case 'r': return ctx.receiver;
    case 't': return std::to_string(static_cast<long long>(ctx.now));
  }
  return "";
}

std::string transform(const Macro& m, const std::string& value) {
  std::vector<std::string> parts;
  std::string cur;
  for (char c : value) {
    if (m.delimiters.find(c) != std::string::npos) {
      parts.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  parts.push_back(cur);
  if (m.reverse) std::reverse(parts.begin(), parts.end());
  size_t from = m.keep && m.keep < parts.size() ? parts.size() - m.keep : 0;
  std::string out;
  for (size_t k = from; k < parts.size(); ++k) {
    if (k > from) out.push_back('.');
    out += parts[k];
  }
  return m.escape ? url_escape(out) : out;
}

// Walks s once; ctx null: syntax only.
Result<std::string> walk(std::string_view s, const MacroContext* ctx, MacroUse use) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    char c = s[i];
    if (c == '%') {
      if (i + 1 >= s.size()) return fail("'%' at the end of " + std::string(s));
      char n = s[i + 1];
      if (n == '%' || n == '_' || n == '-') {
        out += n == '%' ? "%" : n == '_' ? " " : "%20";
        i += 2;
        continue;
      }
      if (n != '{') return fail("invalid '%' escape in " + std::string(s));
      auto m = parse_macro(s, i, use);
      if (!m) return std::unexpected(m.error());
      if (ctx) out += transform(*m, letter_value(m->letter, *ctx));
      continue;
    }
    unsigned char u = static_cast<unsigned char>(c);
    bool literal = (u >= 0x21 && u <= 0x7e) || (u == ' ' && use == MacroUse::kExplanation);
    if (!literal) return fail("invalid character in " + std::string(s));
    out.push_back(c);
    ++i;
  }
  return out;
}

}  // namespace

std::string macro_ip(const net::IpAddr& ip) {
  if (ip.family != AF_INET6) return ip.str();
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (size_t k = 0; k < 16; ++k) {
    if (k) out.push_back('.');
    out.push_back(hex[ip.bytes[k] >> 4]);
    out.push_back('.');
    out.push_back(hex[ip.bytes[k] & 15]);
  }
  return out;
}

Status check_macro_string(std::string_view s, MacroUse use) {
  auto r = walk(s, nullptr, use);
  if (!r) return std::unexpected(r.error());
  return {};
}

Result<std::string> expand_macros(std::string_view s, const MacroContext& ctx, MacroUse use) {
  return walk(s, &ctx, use);
}

}  // namespace posta::spf
