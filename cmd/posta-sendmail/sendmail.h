// posta-sendmail: the sendmail command-line interface (posta-sendmail(1)).
#pragma once
#include <string>
#include <vector>

#include "base/error.h"

namespace posta::sendmail {

struct Options {
  enum class Mode { kDeliver, kSmtp, kList, kFlush };
  Mode mode = Mode::kDeliver;
  std::string sender;        // -f; empty = the caller's address
  bool sender_given = false;
  std::string full_name;     // -F
  bool read_recipients = false;  // -t
  bool ignore_dots = false;      // -i / -oi
  std::vector<std::string> recipients;
};

// sendmail's option syntax (-oi, -fADDR or -f ADDR, -bs ...) is not getopt's, hence a
// small hand parser instead of CLI11. Unknown -o and -O options are ignored as sendmail does;
// other unknown options are a usage error (the error says which).
[[nodiscard]] Result<Options> parse_args(int argc, char** argv);

// Reads the message from stdin: CRLF to LF, a lone "." ends it unless ignore_dots.
std::string read_message(bool ignore_dots);

// Adds Date, Message-ID and From when missing; with -t collects To/Cc/Bcc into rcpts and
// removes Bcc. Returns the new message.
std::string prepare(const std::string& msg, const Options& o, const std::string& sender,
                    const std::string& defaulthost, std::vector<std::string>& rcpts);

int run(const Options& o);

}  // namespace posta::sendmail
