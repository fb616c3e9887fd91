#include "imap/writer.h"

#include "io/deadline.h"

namespace posta::imap {

std::string literal(std::string_view s) {
  std::string out = "{" + std::to_string(s.size()) + "}\r\n";
  out.append(s);
  return out;
}

std::string quote(std::string_view s, bool utf8) {
  if (s.size() > 1000) return literal(s);
  for (unsigned char c : s)
    if (c == '\r' || c == '\n' || c == 0 || (c >= 0x80 && !utf8)) return literal(s);
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
  if (failed_) {
    buf_.clear();  // the rest of a long response has nowhere to go: do not collect it
    return fail(error_);
  }
  if (buf_.empty()) return {};
  auto data = outgoing();
  auto s = data ? write_all_timed(fd_, *data, stall_, deadline_ ? *deadline_ : Deadline{}) : Status(fail(data.error().what));
  buf_.clear();
  if (!s) {
    failed_ = true;
    error_ = s.error().what;
  }
  return s;
}

void Output::flush_final() {
  if (buf_.empty() || failed_) return;
  if (auto data = outgoing()) (void)write_all_timed(fd_, *data, stall_);
  buf_.clear();
}

Result<std::string_view> Output::outgoing() {
  if (!filter_) return std::string_view(buf_);
  packed_.clear();
  if (auto s = filter_(buf_, packed_); !s) return fail(s.error().what);
  return std::string_view(packed_);
}

}  // namespace posta::imap
