#include "sieve/vacation_script.h"

#include <cctype>

#include "base/strings.h"

namespace posta::sieve {

namespace {

constexpr std::string_view kMarker = "# previously active script: ";

// The body as a Sieve multi-line string ("text:" ... "."), lines dot-stuffed.
std::string multiline(std::string_view body) {
  std::string out = "text:\r\n";
  for (auto& line : split(std::string(body), '\n')) {
    std::string l = line;
    if (!l.empty() && l.back() == '\r') l.pop_back();
    if (!l.empty() && l.front() == '.') out += '.';
    out += l + "\r\n";
  }
  return out + ".\r\n";
}

}  // namespace

std::string sieve_quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

bool valid_iso_date(std::string_view d) {
  if (d.size() != 10 || d[4] != '-' || d[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (!std::isdigit(static_cast<unsigned char>(d[i]))) return false;
  int y = std::stoi(std::string(d.substr(0, 4))), m = std::stoi(std::string(d.substr(5, 2))),
      day = std::stoi(std::string(d.substr(8, 2)));
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1970 || m < 1 || m > 12 || day < 1) return false;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return day <= kDays[m - 1] + (m == 2 && leap ? 1 : 0);
}

Result<std::string> vacation_script(const VacationSettings& s) {
  if (s.subject.empty()) return fail("the subject is empty");
  if (s.subject.find_first_of("\r\n") != std::string::npos) return fail("the subject must be one line");
  if (!valid_utf8(s.subject)) return fail("the subject is not UTF-8 text");
  if (s.body.empty()) return fail("the body is empty");
  if (s.body.find('\0') != std::string::npos || !valid_utf8(s.body)) return fail("the body is not UTF-8 text");
  if (!s.until.empty() && !valid_iso_date(s.until)) return fail("not a date (YYYY-MM-DD): " + s.until);
  if (s.days < 1 || s.days > 365) return fail("--days must be 1 to 365");
  std::string req = "\"vacation\"";
  if (!s.until.empty()) req += ", \"date\", \"relational\"";
  if (!s.include.empty()) req += ", \"include\"";
  std::string out = "# Written by posta-user vacation; `posta-user vacation ADDRESS --off` removes it.\r\n";
  if (!s.include.empty()) out += std::string(kMarker) + s.include + "\r\n";
  out += "require [" + req + "];\r\n\r\n";
  std::string action = "vacation :days " + std::to_string(s.days) + " :subject " + sieve_quote(s.subject) + " " +
                       multiline(s.body) + ";\r\n";
  if (s.until.empty()) {
    out += action;
  } else {
    out += "# replies until the end of " + s.until + "\r\n";
    out += "if currentdate :value \"le\" \"date\" " + sieve_quote(s.until) + " {\r\n" + action + "}\r\n";
  }
  if (!s.include.empty()) {
    out += "\r\n# the rules that were active before\r\ninclude :personal " + sieve_quote(s.include) + ";\r\n";
  }
  return out;
}

std::optional<std::string> vacation_included(std::string_view script) {
  for (auto& line : split(std::string(script), '\n')) {
    std::string l = line;
    if (!l.empty() && l.back() == '\r') l.pop_back();
    if (l.starts_with(kMarker)) return l.substr(kMarker.size());
    if (!l.starts_with("#")) break;  // the marker is in the leading comment
  }
  return std::nullopt;
}

}  // namespace posta::sieve
