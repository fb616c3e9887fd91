// Bounded line reader for protocol servers (smtpd, pop3d, imapd, qctl): CRLF or LF, a
// maximum length, a deadline, and raw reads for BDAT chunks and IMAP literals.
#pragma once
#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "base/error.h"
#include "io/deadline.h"

namespace posta {

struct Line {
  enum class Status { kOk, kTooLong, kEof, kTimeout, kError };
  Status status = Status::kOk;
  std::string text;      // without the line end
  bool bare_lf = false;  // ended in LF without CR
  bool bare_cr = false;  // a CR not followed by LF inside the line
  bool has_nul = false;
};

class LineReader {
 public:
  // max_line counts the line end; a longer line is consumed up to its end and reported
  // kTooLong with its first 128 bytes in text (so an IMAP server can still answer its tag).
  LineReader(int fd, size_t max_line, std::chrono::milliseconds timeout)
      : fd_(fd), max_line_(max_line), timeout_(timeout) {}

  Line read_line();
  // Reads exactly n raw bytes (BDAT chunks, IMAP literals); false on eof, timeout or error.
  bool read_exact(size_t n, std::string& out);
  // Bytes already read from the fd but not yet returned (pipelined input).
  size_t buffered() const { return buf_.size() - pos_; }
  // A copy of the bytes read ahead (to hand pipelined input to an exec'd successor).
  std::string peek_buffered() const { return buf_.substr(pos_); }
  // The bytes read ahead, removed from the reader (given back later with prepend).
  std::string take_buffered() {
    std::string s = peek_buffered();
    discard_buffered();
    return s;
  }
  // Feeds bytes in front of whatever comes from the fd (what a predecessor read ahead).
  void prepend(std::string_view bytes) { buf_.insert(pos_, bytes); }
  // Discards what was read ahead (after STARTTLS).
  void discard_buffered() { buf_.clear(); pos_ = 0; }
  void set_max_line(size_t n) { max_line_ = n; }
  void set_timeout(std::chrono::milliseconds t) { timeout_ = t; }
  // Waits end at the deadline too (reported kTimeout; deadline().passed() tells which).
  void set_deadline(Deadline d) { deadline_ = d; }
  const Deadline& deadline() const { return deadline_; }
  Deadline& deadline() { return deadline_; }
  int fd() const { return fd_; }
  // From now on the bytes read from the fd pass through filter (which appends what they
  // decode to; an error ends the input as kError): IMAP COMPRESS=DEFLATE. Bytes read ahead
  // already are not filtered: take_buffered() them first.
  using Filter = std::function<Status(std::string_view raw, std::string& out)>;
  void set_filter(Filter filter) { filter_ = std::move(filter); }

 private:
  enum class Fill { kOk, kEof, kTimeout, kError };
  Fill fill();

  int fd_;
  size_t max_line_;
  std::chrono::milliseconds timeout_;
  Deadline deadline_;
  std::string buf_;
  size_t pos_ = 0;
  Filter filter_;
};

}  // namespace posta
