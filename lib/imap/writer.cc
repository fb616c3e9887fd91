#include "imap/writer.h"

#include "io/fd.h"

namespace posta::imap {

std::string literal(std::string_view s) {
  std::string out = "{" + std::to_string(s.size()) + "}\r\n";
  out.append(s);
  return out;
}

std::string quote(std::string_view s) {
  if (s.size() > 1000) return literal(s);
  for (unsigned char c : s)
    if (c == '\r' || c == '\n' || c == 0 || c >= 0x80) return literal(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

std::string nquote(std::string_view s, bool present) { return present ? quote(s) : "NIL"; }

Status Output::flush() {
  if (buf_.empty() || failed_) return {};
  auto s = write_all(fd_, buf_);
  buf_.clear();
  if (!s) failed_ = true;
  return s;
}

}  // namespace posta::imap
