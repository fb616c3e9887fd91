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

}  // namespace posta::pop3
