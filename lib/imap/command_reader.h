// Reads one IMAP command from the client: a line, and for each literal "{n}" / "{n+}"
// (LITERAL+) at its end the n bytes that follow and the rest of the command on the next line.
// Limits are checked before anything is read: a literal over the limit is refused without
// sending the continuation (synchronising) or ends the connection (non-synchronising).
#pragma once
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "io/line_reader.h"

namespace posta::imap {

// The command with each literal replaced by one NUL byte (lines with a NUL are refused,
// so a NUL always marks a literal); literals in order of appearance.
struct RawCommand {
  std::string text;
  std::vector<std::string> literals;
};

struct ReadLimits {
  size_t max_line = 65536;           // one line, with its line end
  size_t max_literal = 64u << 20;    // one literal (an APPENDed message)
  size_t max_total = 64u << 20;      // all literals of one command
  size_t max_literals = 1000;        // literals in one command
};

enum class ReadStatus {
  kOk,
  kEof,
  kTimeout,
  kError,
  kLineTooLong,    // the line was consumed; answer BAD and go on
  kNul,            // a NUL byte in the line; answer BAD and go on
  kLiteralTooBig,  // synchronising literal refused: answer NO [TOOBIG] and go on
  kLiteralFatal,   // non-synchronising literal over the limit: BYE and close
};

struct ReadResult {
  ReadStatus status = ReadStatus::kOk;
  RawCommand cmd;
  std::string tag;  // best effort, for the error reply
};

// Parses "{123}" or "{123+}" at the end of a line, also as literal8 "~{123}" (start is
// then at the '~'). Returns false when none.
bool trailing_literal(const std::string& line, size_t& size, bool& nonsync, size_t& start);

class CommandReader {
 public:
  // send_continuation writes "+ OK\r\n" (flushing pending output) when a synchronising
  // literal is accepted.
  CommandReader(LineReader& in, ReadLimits limits, std::function<void()> send_continuation)
      : in_(in), limits_(limits), cont_(std::move(send_continuation)) {}
  ReadResult read();
  const ReadLimits& limits() const { return limits_; }
  void set_limits(const ReadLimits& l) { limits_ = l; }

 private:
  LineReader& in_;
  ReadLimits limits_;
  std::function<void()> cont_;
};

// The first word of a line, if it looks like a tag.
std::string guess_tag(const std::string& line);

}  // namespace posta::imap
