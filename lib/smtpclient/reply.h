// SMTP replies as a client sees them (RFC 5321 section 4.2): one or more lines
// "250-text" ... "250 text", the same three-digit code on each, and EHLO keywords.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace posta::smtpc {

struct Reply {
  int code = 0;                    // 200..599
  std::vector<std::string> lines;  // text after "250-"/"250 " on each line
  bool positive() const { return code >= 200 && code < 400; }
  bool temporary() const { return code >= 400 && code < 500; }
  bool permanent() const { return code >= 500; }
  // "250 2.0.0 ok / second line": every line, for logs and DSNs (control chars removed).
  std::string text() const;
};

// Accumulates reply lines; limits keep a hostile server from exhausting memory.
class ReplyParser {
 public:
  static constexpr size_t kMaxLines = 200;
  static constexpr size_t kMaxLine = 4096;
  // Feeds one line without its CRLF. Returns a complete reply when the last line came,
  // nullopt when more lines are expected, an error on a malformed line.
  [[nodiscard]] Result<std::optional<Reply>> feed(std::string_view line);

 private:
  Reply cur_;
};

struct Extensions {
  bool starttls = false;
  bool pipelining = false;
  bool eightbitmime = false;
  bool smtputf8 = false;
  bool chunking = false;
  bool size = false;
  unsigned long long size_limit = 0;  // 0: none announced
  std::vector<std::string> auth;      // upper-cased mechanisms
  bool has_auth(std::string_view mech) const;
};

// Keywords of an EHLO reply (the first line is the greeting and is skipped).
Extensions parse_ehlo(const Reply& r);

}  // namespace posta::smtpc
