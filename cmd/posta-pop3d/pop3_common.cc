#include <unistd.h>

#include "control/control.h"
#include "io/fd.h"
#include "pop3.h"

namespace posta::pop3 {

bool Output::flush() {
  if (buf_.empty() || failed_) return !failed_;
  if (!write_all(1, buf_)) failed_ = true;
  buf_.clear();
  return !failed_;
}

Line next_command(LineReader& in, Output& out) {
  if (in.buffered() == 0) out.flush();
  return in.read_line();
}

std::chrono::milliseconds session_timeout() {
  // RFC 1939: an autologout timer of at least 10 minutes.
  return std::chrono::seconds(Control().number("timeoutpop3d", 600));
}

bool plaintext_allowed(bool tls_active) {
  return tls_active || Control().flag("authplaintext", false);
}

std::string hex_encode(std::string_view s) {
  static const char d[] = "0123456789abcdef";
  std::string o;
  for (unsigned char c : s) {
    o += d[c >> 4];
    o += d[c & 15];
  }
  return o;
}

std::string hex_decode(std::string_view s) {
  auto v = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  std::string o;
  for (size_t i = 0; i + 1 < s.size(); i += 2) o += static_cast<char>(v(s[i]) * 16 + v(s[i + 1]));
  return o;
}

}  // namespace posta::pop3
