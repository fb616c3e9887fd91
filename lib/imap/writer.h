// Response writer: buffered output to the client and IMAP string quoting.
#pragma once
#include <string>
#include <string_view>

#include "base/error.h"

namespace posta::imap {

// "quoted" when safe (7-bit, no CR/LF/NUL, short), else a literal "{n}\r\n...".
std::string quote(std::string_view s);
// quote(s), or NIL for an absent value.
std::string nquote(std::string_view s, bool present);
// Always a literal (message bodies).
std::string literal(std::string_view s);

class Output {
 public:
  explicit Output(int fd) : fd_(fd) {}
  void put(std::string_view s) { buf_.append(s); if (buf_.size() > 65536) (void)flush(); }
  void line(std::string_view s) { put(s); put("\r\n"); }
  [[nodiscard]] Status flush();
  bool failed() const { return failed_; }

 private:
  int fd_;
  std::string buf_;
  bool failed_ = false;
};

}  // namespace posta::imap
