// SMTP command lines (RFC 5321 section 4.1), strictly parsed.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "smtp/address.h"

namespace posta::smtp {

enum class Verb {
  kHelo, kEhlo, kMail, kRcpt, kData, kBdat, kRset, kNoop, kQuit, kVrfy, kExpn, kHelp,
  kStartTls, kAuth, kUnknown,
};

struct Command {
  Verb verb = Verb::kUnknown;
  std::string name;  // the verb as sent, upper-cased (for logs and 500 replies)
  std::string arg;   // everything after the first space
};

// Splits a command line (without CRLF) into verb and argument. Verbs are case-insensitive;
// exactly one space separates verb and argument (RFC 5321 4.1.1); control characters are
// refused.
[[nodiscard]] Result<Command> parse_command(std::string_view line);

struct Param {
  std::string keyword;  // upper-cased
  std::optional<std::string> value;
};

struct PathArgs {
  Path path;
  std::vector<Param> params;
  const Param* find(std::string_view keyword) const;
};

// "FROM:<path> [SP params]" / "TO:<path> [SP params]": prefix is "FROM:" or "TO:" (any case);
// spaces after the colon are tolerated (old clients), the path must be in angle brackets.
// Parameters: esmtp-keyword ["=" esmtp-value], separated by single spaces; duplicates refused.
[[nodiscard]] Result<PathArgs> parse_path_args(std::string_view arg, std::string_view prefix,
                                               bool allow_utf8, bool allow_null);

// RFC 3461 xtext: "+" HEX HEX escapes; chars 33..126 except "+" and "=".
[[nodiscard]] Result<std::string> xtext_decode(std::string_view s);
std::string xtext_encode(std::string_view s);

// BDAT arguments: "SIZE [LAST]".
struct BdatArgs {
  size_t size = 0;
  bool last = false;
};
[[nodiscard]] Result<BdatArgs> parse_bdat(std::string_view arg);

}  // namespace posta::smtp
