// Response writer: buffered output to the client and IMAP string quoting.
#pragma once
#include <functional>
#include <string>
#include <string_view>

#include "base/error.h"
#include "io/deadline.h"

namespace posta::imap {

// "quoted" when safe (7-bit, no CR/LF/NUL, short), else a literal "{n}\r\n...". With utf8
// (a session after ENABLE UTF8=ACCEPT or IMAP4rev2, RFC 6855 3), 8-bit bytes stay quoted.
std::string quote(std::string_view s, bool utf8 = false);
// quote(s), or NIL for an absent value.
std::string nquote(std::string_view s, bool present);
// Always a literal (message bodies).
std::string literal(std::string_view s);

class Output {
 public:
  explicit Output(int fd) : fd_(fd) {}
  void put(std::string_view s) { buf_.append(s); if (buf_.size() > 65536) (void)flush(); }
  void line(std::string_view s) { put(s); put("\r\n"); }
  // A write that makes no progress for `stall`, or outlasts the deadline, fails the output.
  void set_limits(std::chrono::milliseconds stall, const Deadline* deadline) {
    stall_ = stall;
    deadline_ = deadline;
  }
  [[nodiscard]] Status flush();
  // From now on what is written passes through filter first (IMAP COMPRESS=DEFLATE): each
  // flush gives it the bytes collected since the last one.
  using Filter = std::function<Status(std::string_view in, std::string& out)>;
  void set_filter(Filter filter) { filter_ = std::move(filter); }
  // The goodbye after a limit: bounded by the stall time only.
  void flush_final();
  bool failed() const { return failed_; }
  // Why the output failed ("" when it did not).
  const std::string& error() const { return error_; }

 private:
  int fd_;
  std::string buf_;
  bool failed_ = false;
  std::chrono::milliseconds stall_{300000};
  const Deadline* deadline_ = nullptr;
  std::string error_;
  Filter filter_;
  // The bytes to write: buf_ as it is, or as filter_ turns it into (in packed_).
  Result<std::string_view> outgoing();
  std::string packed_;
};

}  // namespace posta::imap
