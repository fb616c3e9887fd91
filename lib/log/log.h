// One line per event on stderr: "posta-send: info: delivery 12: to=<a@b> status=sent".
// No timestamps (s6-log adds them), no syslog, no colour.
#pragma once
#include <sstream>
#include <string>
#include <string_view>

namespace posta::log {

// Set once in main(); every line starts with it.
void set_program(std::string_view name);
const std::string& program();

void line(std::string_view level, std::string_view msg);

// g++ 12 has no <format>: messages are built by concatenation, cat("to=<", rcpt, "> n=", 3).
template <class... A>
std::string cat(const A&... a) {
  std::ostringstream o;
  (o << ... << a);
  return o.str();
}
template <class... A>
void info(const A&... a) { line("info", cat(a...)); }
template <class... A>
void warning(const A&... a) { line("warning", cat(a...)); }
template <class... A>
void error(const A&... a) { line("error", cat(a...)); }

// Logs "prog: fatal: msg" and exits with code.
[[noreturn]] void fatal(int code, std::string_view msg);

// Replaces control characters so that one event stays one line.
std::string printable(std::string_view s, size_t max = 200);

}  // namespace posta::log
