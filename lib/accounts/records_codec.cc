#include "accounts/records_codec.h"

#include <charconv>

#include "accounts/address.h"
#include "base/hex.h"

namespace posta::accounts::codec {
namespace {
int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;  // lower case is not what escape() writes: refused, so encoding is canonical
}

std::unexpected<Error> bad(std::string_view what) {
  return fail("malformed record: " + std::string(what), kErrInvalid);
}
}  // namespace

std::string escape(std::string_view s) {
  return hex_escape(s, "%", [](unsigned char c) { return c == '%' || c < 0x20 || c >= 0x7f; });
}

Result<std::string> unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = s[i];
    if (c < 0x20 || c >= 0x7f) return bad("raw control or 8-bit byte");
    if (c != '%') {
      out += static_cast<char>(c);
      continue;
    }
    if (i + 2 >= s.size()) return bad("truncated escape");
    int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
    if (hi < 0 || lo < 0) return bad("bad escape");
    unsigned char v = static_cast<unsigned char>(hi * 16 + lo);
    if (v != '%' && v >= 0x20 && v < 0x7f) return bad("needless escape");
    out += static_cast<char>(v);
    i += 2;
  }
  return out;
}

Writer::Writer(std::string_view kind) { out_.append("posta-").append(kind).append(" 1\n"); }

void Writer::field(std::string_view name, std::string_view value) {
  out_.append(name).append("=").append(escape(value)).append("\n");
}

void Writer::repeated(std::string_view name, const std::vector<std::string>& values) {
  for (const auto& v : values) field(name, v);
}

Result<Reader> Reader::start(std::string_view s, std::string_view kind) {
  std::string head = "posta-" + std::string(kind) + " 1\n";
  if (s.substr(0, head.size()) != head) return bad("not a posta-" + std::string(kind) + " 1 record");
  return Reader(s.substr(head.size()));
}

bool Reader::peek_is(std::string_view name) const {
  return rest_.size() > name.size() && rest_.substr(0, name.size()) == name &&
         rest_[name.size()] == '=';
}

Result<std::string> Reader::text(std::string_view name) {
  if (!peek_is(name)) return bad("expected field " + std::string(name));
  auto nl = rest_.find('\n');
  if (nl == std::string_view::npos) return bad("unterminated field " + std::string(name));
  auto v = unescape(rest_.substr(name.size() + 1, nl - name.size() - 1));
  if (!v) return bad(std::string(name) + ": " + v.error().what);
  rest_.remove_prefix(nl + 1);
  return v;
}

// Canonical decimal only, so that a value has one encoding: no '+', no leading zeros, no "-0".
template <class T>
Result<T> Reader::integer(std::string_view name) {
  auto t = text(name);
  if (!t) return std::unexpected(t.error());
  T v = 0;
  auto [p, ec] = std::from_chars(t->data(), t->data() + t->size(), v);
  bool neg = !t->empty() && (*t)[0] == '-';
  std::string_view digits = std::string_view(*t).substr(neg ? 1 : 0);
  if (digits.empty() || ec != std::errc() || p != t->data() + t->size() ||
      (digits.size() > 1 && digits[0] == '0') || (neg && digits == "0"))
    return bad(std::string(name) + ": not a number");
  return v;
}

Result<uint64_t> Reader::u64(std::string_view name) { return integer<uint64_t>(name); }
Result<int64_t> Reader::i64(std::string_view name) { return integer<int64_t>(name); }

Result<bool> Reader::flag(std::string_view name) {
  auto t = text(name);
  if (!t) return std::unexpected(t.error());
  if (*t == "1") return true;
  if (*t == "0") return false;
  return bad(std::string(name) + ": not 0 or 1");
}

Result<std::vector<std::string>> Reader::repeated(std::string_view name) {
  std::vector<std::string> out;
  while (peek_is(name)) {
    auto t = text(name);
    if (!t) return std::unexpected(t.error());
    out.push_back(std::move(*t));
  }
  return out;
}

Status Reader::finish() const {
  if (!rest_.empty()) return bad("trailing bytes");
  return {};
}

}  // namespace posta::accounts::codec
