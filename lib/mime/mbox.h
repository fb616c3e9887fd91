// Reading mbox files (RFC 4155): messages, each after a "From " separator line at the start
// of the file or after an empty line, body lines that began with "From " escaped as ">From "
// (mboxo) or any run of '>' before "From " one '>' deeper (mboxrd). Read in bounded pieces:
// a file of any size, and a line of any length, cost a bounded amount of memory.
#pragma once
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

#include "base/error.h"
#include "io/fd.h"

namespace posta::mime {

// Whether a file starting with head is an mbox: its first line is a "From " line (a message
// file starts with a header field, and no field name holds a space).
bool looks_like_mbox(std::string_view head);

// The time a "From sender date" separator line gives, in asctime(3) form ("Thu Jan  1
// 00:00:00 2026", taken as UTC; a numeric zone before the year, as some writers add, is
// applied); 0 when it has none that parses.
time_t mbox_separator_time(std::string_view line);

class MboxReader {
 public:
  // Messages longer than max_message are cut to it (the rest is read and skipped).
  MboxReader(Fd fd, size_t max_message) : fd_(std::move(fd)), max_(max_message) {}

  // The next message: without its separator line and the empty line before the next one,
  // one '>' removed from each ">From " line; nullopt after the last.
  [[nodiscard]] Result<std::optional<std::string>> next();
  // The separator line of the message next() returned last (at most its first 64 KiB).
  const std::string& separator() const { return current_sep_; }

 private:
  static constexpr size_t kMaxPiece = 64 << 10;
  // The next line with its '\n', or a piece of at most kMaxPiece bytes of a longer one;
  // line_start: the piece begins a line. nullopt at the end of the file.
  Result<std::optional<std::string>> piece(bool& line_start);
  void append(std::string& msg, std::string_view s) const;

  Fd fd_;
  size_t max_;
  std::string buf_;
  size_t pos_ = 0;
  bool eof_ = false;
  bool at_line_start_ = true;
  bool in_message_ = false;    // a separator line was read: a message follows
  bool from_unfinished_ = false;  // that separator line continues in the next pieces
  bool prev_blank_ = false;    // the last line read was empty
  std::string sep_;            // the separator of the message to be read next
  std::string current_sep_;    // the separator of the message returned last
};

}  // namespace posta::mime
