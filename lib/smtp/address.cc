#include "smtp/address.h"

#include <arpa/inet.h>

#include <strings.h>

#include <cstring>

namespace posta::smtp {
namespace {

bool is_alpha(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
bool is_atext(unsigned char c) {
  return is_alpha(c) || is_digit(c) || (c != 0 && std::strchr("!#$%&'*+-/=?^_`{|}~", c));
}
bool is_qtext(unsigned char c) { return c >= 32 && c <= 126 && c != '"' && c != '\\'; }

// Length of the UTF-8 sequence starting at s[i] when well-formed, else 0.
size_t utf8_len(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  size_t n;
  uint32_t cp;
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) n = 2, cp = c & 0x1f;
  else if (c >= 0xe0 && c <= 0xef) n = 3, cp = c & 0x0f;
  else if (c >= 0xf0 && c <= 0xf4) n = 4, cp = c & 0x07;
  else return 0;
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3f);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff))) return 0;
  if (cp >= 0xd800 && cp <= 0xdfff) return 0;
  if (cp >= 0x80 && cp <= 0x9f) return 0;  // C1 controls
  return n;
}

bool has_high(std::string_view s) {
  for (unsigned char c : s)
    if (c >= 0x80) return true;
  return false;
}

// Parses a quoted-string starting at s[i] == '"'; appends the content to out.
Status parse_quoted(std::string_view s, size_t& i, bool allow_utf8, std::string& out) {
  ++i;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '"') {
      ++i;
      return {};
    }
    if (c == '\\') {
      if (i + 1 >= s.size()) break;
      unsigned char e = static_cast<unsigned char>(s[i + 1]);
      if (e < 32 || e > 126) return fail("invalid quoted-pair in local part");
      out += static_cast<char>(e);
      i += 2;
      continue;
    }
    if (c >= 0x80) {
      size_t n = allow_utf8 ? utf8_len(s, i) : 0;
      if (n == 0) return fail(allow_utf8 ? "invalid UTF-8 in local part" : "8-bit local part needs SMTPUTF8");
      out.append(s.substr(i, n));
      i += n;
      continue;
    }
    if (!is_qtext(c)) return fail("invalid character in quoted local part");
    out += static_cast<char>(c);
    ++i;
  }
  return fail("unterminated quoted local part");
}

// Parses an At-domain list "@a,@b:" starting at s[i] == '@'.
Status skip_route(std::string_view s, size_t& i, bool allow_utf8) {
  for (;;) {
    if (i >= s.size() || s[i] != '@') return fail("invalid source route");
    size_t start = ++i;
    while (i < s.size() && s[i] != ',' && s[i] != ':' && s[i] != '>') ++i;
    if (!is_domain(s.substr(start, i - start), allow_utf8)) return fail("invalid domain in source route");
    if (i >= s.size() || s[i] == '>') return fail("invalid source route");
    if (s[i++] == ':') return {};
  }
}

}  // namespace

bool valid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    size_t n = utf8_len(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

bool is_dot_string(std::string_view s, bool allow_utf8) {
  if (s.empty() || s.front() == '.' || s.back() == '.') return false;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '.') {
      if (s[i + 1] == '.') return false;
      ++i;
    } else if (c >= 0x80) {
      size_t n = allow_utf8 ? utf8_len(s, i) : 0;
      if (n == 0) return false;
      i += n;
    } else if (is_atext(c)) {
      ++i;
    } else {
      return false;
    }
  }
  return true;
}

bool is_domain(std::string_view s, bool allow_utf8) {
  if (s.empty() || s.size() > kMaxDomain) return false;
  if (has_high(s) && (!allow_utf8 || !valid_utf8(s))) return false;
  size_t start = 0;
  for (;;) {
    size_t dot = s.find('.', start);
    std::string_view label = s.substr(start, dot == std::string_view::npos ? s.npos : dot - start);
    if (label.empty() || label.size() > 63) return false;
    if (label.front() == '-' || label.back() == '-') return false;
    for (unsigned char c : label)
      if (!(is_alpha(c) || is_digit(c) || c == '-' || c >= 0x80)) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

bool is_address_literal(std::string_view s) {
  if (s.size() < 3 || s.front() != '[' || s.back() != ']') return false;
  std::string inner(s.substr(1, s.size() - 2));
  unsigned char buf[16];
  if (inner.compare(0, 5, "IPv6:") == 0) return ::inet_pton(AF_INET6, inner.c_str() + 5, buf) == 1;
  for (char c : inner)
    if (!is_digit(static_cast<unsigned char>(c)) && c != '.') return false;
  return ::inet_pton(AF_INET, inner.c_str(), buf) == 1;
}

std::string Mailbox::str() const {
  std::string out;
  if (is_dot_string(local, true)) {
    out = local;
  } else {
    out = "\"";
    for (char c : local) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  if (!domain.empty()) out += "@" + domain;
  return out;
}

Result<Mailbox> parse_mailbox(std::string_view s, bool allow_utf8) {
  Mailbox m;
  size_t i = 0;
  if (!s.empty() && s[0] == '"') {
    if (auto st = parse_quoted(s, i, allow_utf8, m.local); !st) return std::unexpected(st.error());
    if (m.local.empty()) return fail("empty local part");
  } else {
    size_t at = s.rfind('@');
    i = at == std::string_view::npos ? s.size() : at;
    m.local = s.substr(0, i);
    if (!is_dot_string(m.local, true)) return fail("invalid local part");
    if (has_high(m.local) && !allow_utf8) return fail("8-bit local part needs SMTPUTF8");
  }
  if (i == s.size()) {
    // RFC 5321 4.1.1.3: "Postmaster" without a domain is a valid recipient.
    if (m.local.size() == 10 && strncasecmp(m.local.c_str(), "postmaster", 10) == 0) return m;
    return fail("address has no domain");
  }
  if (s[i] != '@') return fail("junk after local part");
  std::string_view dom = s.substr(i + 1);
  if (!dom.empty() && dom.front() == '[') {
    if (!is_address_literal(dom)) return fail("invalid address literal");
    m.literal = true;
  } else if (!is_domain(dom, allow_utf8)) {
    return fail(!dom.empty() && dom.back() == '.' ? "domain ends with a dot" : "invalid domain");
  }
  m.domain = dom;
  m.utf8 = has_high(m.local) || has_high(m.domain);
  return m;
}

Result<Path> parse_path(std::string_view s, bool allow_utf8, bool allow_null, std::string_view* rest) {
  Path p;
  if (s.empty() || s[0] != '<') return fail("address must be in angle brackets");
  size_t i = 1;
  if (i < s.size() && s[i] == '@') {
    if (auto st = skip_route(s, i, allow_utf8); !st) return std::unexpected(st.error());
    p.had_route = true;
  }
  // Find the closing '>' outside a quoted local part.
  size_t end = i;
  if (end < s.size() && s[end] == '"') {
    std::string scratch;
    if (auto st = parse_quoted(s, end, true, scratch); !st) return std::unexpected(st.error());
  }
  end = s.find('>', end);
  if (end == std::string_view::npos) return fail("missing '>'");
  if (end + 1 > kMaxPath) return fail("path too long");
  std::string_view inner = s.substr(i, end - i);
  if (inner.empty()) {
    if (!allow_null || p.had_route) return fail("empty address");
    p.null = true;
  } else {
    auto m = parse_mailbox(inner, allow_utf8);
    if (!m) return std::unexpected(m.error());
    p.mailbox = std::move(*m);
  }
  if (rest) *rest = s.substr(end + 1);
  return p;
}

}  // namespace posta::smtp
