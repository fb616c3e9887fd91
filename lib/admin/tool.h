// The small library of the admin tools (posta-user, posta-domain, posta-alias, posta-list):
// opening the databases as an admin, exit codes, passwords from stdin or a terminal, sizes,
// JSON and TSV text.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "accounts/lookup.h"
#include "base/error.h"

namespace posta::admin {

// --home, else $POSTA_HOME, else /var/posta.
std::string home_or_default(const std::string& opt);

// As root against a rootless instance: become its owner first. Then opens the databases.
[[nodiscard]] Result<accounts::Accounts> open_for(const std::string& home, bool write);

// 0 never; 1 not found / exists / refused; 2 invalid input; 111 anything else.
int exit_code(const Error& e);
// Logs "prog: fatal: what" (or error for 1/2) and returns exit_code(e).
int report(const Error& e);

// The password for add/passwd: --password-hash (normalised), else --password-stdin (first
// line, without its newline), else a prompt twice on /dev/tty when stdin is a terminal.
struct PasswordSource {
  bool from_stdin = false;
  std::string hash;  // --password-hash
  bool none = false; // --no-password: the account cannot log in
};
[[nodiscard]] Result<std::string> obtain_hash(const PasswordSource& src);

// "1073741824", "1G", "512M", "100k" (1024-based), "0" = unlimited.
[[nodiscard]] Result<uint64_t> parse_size(std::string_view s);
[[nodiscard]] Result<uint64_t> parse_count(std::string_view s);
std::string format_time(int64_t t);  // "2024-05-01T10:00:00Z", "-" for 0

std::string json_string(std::string_view s);
std::string json_array(const std::vector<std::string>& v);

// TSV fields: tab, newline, backslash escaped as \t \n \\ (and other controls as \xHH).
std::string tsv_escape(std::string_view s);
[[nodiscard]] Result<std::string> tsv_unescape(std::string_view s);
// Splits one line at tabs and unescapes each field.
[[nodiscard]] Result<std::vector<std::string>> tsv_fields(std::string_view line);

}  // namespace posta::admin
