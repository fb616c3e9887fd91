// ManageSieve (RFC 5804) commands and responses, for posta-managesieved.
//
// A command is read by imap::CommandReader (the same line and literal framing as IMAP:
// "{n+}" and "{n}" at the end of a line; ManageSieve has no continuation, so the server
// never waits between a literal's size and its bytes) and parsed here into its name and
// arguments: strings (quoted, or a literal) and numbers.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "imap/command_reader.h"

namespace posta::managesieve {

constexpr size_t kMaxQuoted = 1024;  // RFC 5804: quoted strings hold up to 1024 octets

struct Arg {
  bool is_number = false;
  std::string str;      // a string argument
  uint64_t number = 0;  // a number argument (0 .. 4294967295)
};

struct Command {
  std::string name;  // upper-cased: "PUTSCRIPT"
  std::vector<Arg> args;
};

// name *(SP (string / number)), nothing after. The error says what is wrong, for a NO.
[[nodiscard]] Result<Command> parse_command(const imap::RawCommand& raw);

// A lone string (quoted or a literal): the client's SASL response after the server's
// challenge (RFC 5804 section 2.1).
[[nodiscard]] Result<std::string> parse_sasl_response(const imap::RawCommand& raw);

// Checks that cmd has exactly the argument kinds of spec ('s' string, 'n' number), with the
// last `optional` of them optional: "sn" for HAVESPACE. The error is a usage message.
[[nodiscard]] Status expect_args(const Command& cmd, std::string_view spec, size_t optional = 0);

// A string as the server sends it: quoted when short and 7-bit without CR/LF, else a
// literal "{n}\r\n...".
std::string quote(std::string_view s);

// "OK", "NO" or "BYE", an optional response code (without parentheses: "QUOTA/MAXSIZE",
// or a code with its argument, "TAG \"x\""), and a human-readable text.
std::string response(std::string_view kind, std::string_view code, std::string_view text);

// The response code for a failed lib/sieve/script_store call: NONEXISTENT, ALREADYEXISTS,
// ACTIVE, QUOTA/MAXSIZE, QUOTA/MAXSCRIPTS, TRYLATER for system trouble, "" for a bad name.
std::string_view store_code(const Error& e);

// The capability lines (without the final OK), RFC 5804 section 1.7.
struct Capabilities {
  std::vector<std::string> sieve_extensions;
  bool sasl_plain = false;  // "SASL" "PLAIN" (else "SASL" "")
  bool starttls = false;
  bool authenticated = false;  // after login no SASL and no STARTTLS are listed
  size_t max_redirects = 0;    // 0: not listed
};
std::vector<std::string> capability_lines(const Capabilities& c);

}  // namespace posta::managesieve
