// Client input for the IMAP server: bounded lines (CRLF or LF) with a timeout, raw bytes
// for literals. Unlike a plain line reader it keeps the start of an overlong line, so the
// server can answer the command's tag with a tagged BAD.
#pragma once
#include <chrono>
#include <string>
#include <string_view>

#include "io/deadline.h"
#include "io/line_reader.h"

namespace posta::imap {

class Input {
 public:
  Input(int fd, size_t max_line, std::chrono::milliseconds timeout)
      : fd_(fd), max_line_(max_line), timeout_(timeout) {}

  // kTooLong: the whole line was consumed; text holds its first 128 bytes.
  Line read_line();
  bool read_exact(size_t n, std::string& out);
  size_t buffered() const { return buf_.size() - pos_; }
  void discard_buffered() { buf_.clear(); pos_ = 0; }
  // Hands read-ahead input to another process (pipelined commands after LOGIN) and back.
  std::string take_buffered() {
    std::string s = buf_.substr(pos_);
    discard_buffered();
    return s;
  }
  void prepend(std::string_view s) { buf_.insert(pos_, s); }
  void set_timeout(std::chrono::milliseconds t) { timeout_ = t; }
  // Waits end at the deadline too (reported kTimeout; deadline().passed() tells which).
  void set_deadline(Deadline d) { deadline_ = d; }
  Deadline& deadline() { return deadline_; }
  void set_max_line(size_t n) { max_line_ = n; }
  int fd() const { return fd_; }

 private:
  enum class Fill { kOk, kEof, kTimeout, kError };
  Fill fill();

  int fd_;
  size_t max_line_;
  std::chrono::milliseconds timeout_;
  Deadline deadline_;
  std::string buf_;
  size_t pos_ = 0;
};

}  // namespace posta::imap
