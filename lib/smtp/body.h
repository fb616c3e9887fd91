// Message content as it streams in through DATA or BDAT: end-of-data detection with
// dot-unstuffing (RFC 5321 4.5.2), SMTP smuggling defence, limits, and conversion of the
// CRLF wire format to the LF format of the queue.
//
// The message ends only at <CRLF>.<CRLF>: a "." line counts as the end only when it and the
// line before it both ended in CRLF. So <LF>.<LF>, <LF>.<CRLF>, <CRLF>.<LF> and <CR>.<CR>
// are content, never an end, and can never start a second message. A message containing a
// bare LF is refused (policy kReject, the default) or has it read as a line end (kNormalize);
// a bare CR or a NUL always refuses the message. Lines over 998 octets (plus CRLF) refuse it.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

#include "io/line_reader.h"

namespace posta::smtp {

inline constexpr size_t kMaxTextLine = 998;  // octets, without CRLF (RFC 5321 4.5.3.1.6)

enum class BareLfPolicy { kReject, kNormalize };

struct BodyProblems {
  bool bare_lf = false;
  bool bare_cr = false;
  bool nul = false;
  bool long_line = false;
  bool too_big = false;
  size_t bytes = 0;  // size on the wire, counting each line end as CRLF
};

class BodyFilter {
 public:
  // max_bytes 0: no limit.
  BodyFilter(size_t max_bytes, BareLfPolicy policy) : max_(max_bytes), policy_(policy) {}

  // One content line (already unstuffed), without its line end; bare_lf says it ended in LF
  // alone. Appends the line plus LF to out while the message is still acceptable.
  void add_line(std::string_view text, bool bare_lf, std::string& out);
  // A line known only to be over-long (its content was dropped by the reader).
  void add_overlong_line();

  const BodyProblems& problems() const { return p_; }
  // True when the message must be refused (see the policy in the file comment).
  bool refused() const;
  // The reply for a refused message: {code, enhanced code, text}.
  struct Refusal {
    int code;
    const char* enhanced;
    std::string text;
  };
  Refusal refusal() const;

 private:
  size_t max_;
  BareLfPolicy policy_;
  BodyProblems p_;
};

// DATA: feeds lines from a LineReader; tracks the line end of the previous line.
class DataDecoder {
 public:
  enum class Step { kContent, kEnd };
  // content: the unstuffed text of a content line (a view into line.text).
  Step feed(const Line& line, std::string_view& content);

 private:
  bool prev_crlf_ = true;  // the DATA command line's own end counts as CRLF
};

// BDAT: raw chunk bytes, split into lines for a BodyFilter (no dot-stuffing in BDAT).
class ChunkSplitter {
 public:
  void feed(std::string_view bytes, BodyFilter& body, std::string& out);
  // After the LAST chunk: a final line without line end is kept as a line.
  void finish(BodyFilter& body, std::string& out);

 private:
  std::string carry_;
  bool carry_overlong_ = false;
};

}  // namespace posta::smtp
