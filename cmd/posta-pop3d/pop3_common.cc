#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "control/control.h"
#include "io/fd.h"
#include "log/log.h"
#include "pop3.h"

namespace posta::pop3 {

namespace {
std::string remote() {
  const char* ip = std::getenv("TCPREMOTEIP");
  return ip ? ip : "unknown";
}
}  // namespace

bool Output::flush() {
  if (failed_) buf_.clear();  // the rest of a long RETR has nowhere to go: do not collect it
  if (buf_.empty() || failed_) return !failed_;
  if (auto st = write_all_timed(1, buf_, stall_, deadline_); !st) {
    failed_ = true;
    log::info("disconnect ip=", remote(), ": ", st.error().what);
  }
  buf_.clear();
  return !failed_;
}

void Output::flush_final() {
  if (buf_.empty() || failed_) return;
  (void)write_all_timed(1, buf_, stall_);
  buf_.clear();
}

Line next_command(LineReader& in, Output& out) {
  if (in.deadline().passed()) return Line{Line::Status::kTimeout, {}, false, false, false};
  if (in.buffered() == 0 && !out.flush()) return Line{Line::Status::kError, {}, false, false, false};
  return in.read_line();
}

void say_timeout(const LineReader& in, Output& out) {
  if (in.deadline().passed()) {
    out.line("-ERR [SYS/TEMP] session time limit reached");
    log::info("session time limit reached ip=", remote());
  } else {
    out.line("-ERR autologout; idle for too long");
    log::info("autologout ip=", remote());
  }
  out.flush_final();
}

Limits limits() {
  Control c;
  // RFC 1939: an autologout timer of at least 10 minutes.
  return Limits{std::chrono::seconds(c.number("timeoutpop3d", 600)),
                std::chrono::seconds(std::max(1LL, c.number("timeoutwrite", 300))),
                std::chrono::seconds(std::max(0LL, c.number("sessionlimitpop3d", 3600)))};
}

void apply_limits(const Limits& l, bool inherited, LineReader& in, Output& out) {
  in.set_timeout(l.read);
  Deadline d = inherited ? Deadline::inherited(l.session) : Deadline::after(l.session);
  if (!inherited) d.export_env();
  in.set_deadline(d);
  out.set_limits(l.write, d);
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
