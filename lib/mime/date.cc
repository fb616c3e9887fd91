#include "mime/date.h"

#include <string>

namespace posta::mime {
namespace {

const char* const kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
char to_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

struct Cursor {
  std::string_view s;
  size_t i = 0;
  bool at_end() { skip(); return i >= s.size(); }
  // Folding white space and comments (nested, with quoted pairs).
  void skip() {
    for (;;) {
      while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) ++i;
      if (i >= s.size() || s[i] != '(') return;
      int depth = 0;
      while (i < s.size()) {
        char c = s[i++];
        if (c == '\\' && i < s.size()) ++i;
        else if (c == '(') ++depth;
        else if (c == ')' && --depth == 0) break;
      }
    }
  }
  std::optional<int> num(size_t min_digits, size_t max_digits) {
    skip();
    size_t b = i;
    int v = 0;
    while (i < s.size() && i - b < max_digits && s[i] >= '0' && s[i] <= '9') v = v * 10 + (s[i++] - '0');
    if (i - b < min_digits || (i < s.size() && s[i] >= '0' && s[i] <= '9')) return std::nullopt;
    return v;
  }
  std::string word() {
    skip();
    std::string w;
    while (i < s.size() && is_alpha(s[i]) && w.size() < 16) w += to_lower(s[i++]);
    return w;
  }
  bool eat(char c) {
    skip();
    if (i < s.size() && s[i] == c) {
      ++i;
      return true;
    }
    return false;
  }
};

// RFC 5322 4.3 obs-zone; unknown alphabetic zones (military ones included) are -0000.
int obsolete_zone(const std::string& z) {
  if (z == "edt") return -4 * 60;
  if (z == "est" || z == "cdt") return -5 * 60;
  if (z == "cst" || z == "mdt") return -6 * 60;
  if (z == "mst" || z == "pdt") return -7 * 60;
  if (z == "pst") return -8 * 60;
  return 0;
}

int month_of(const std::string& w) {
  for (int k = 0; k < 12; ++k)
    if (w == kMonths[k]) return k;
  return -1;
}

}  // namespace

std::optional<int> parse_zone(std::string_view s) {
  if (s.size() != 5 || (s[0] != '+' && s[0] != '-')) return std::nullopt;
  for (size_t i = 1; i < 5; ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
  }
  int h = (s[1] - '0') * 10 + (s[2] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
  if (h > 23 || m > 59) return std::nullopt;
  return (s[0] == '-' ? -1 : 1) * (h * 60 + m);
}

std::optional<ZonedTime> parse_mail_date(std::string_view s) {
  Cursor c{s};
  c.skip();
  size_t save = c.i;
  std::string w = c.word();
  if (!w.empty()) {
    if (month_of(w) >= 0) return std::nullopt;  // "Jul 1 2003" is not RFC 5322
    c.eat(',');  // obs-day-of-week: the comma is sometimes missing
  } else {
    c.i = save;
  }
  auto day = c.num(1, 2);
  if (!day) return std::nullopt;
  c.eat('-');  // "1-Jul-2003" of some old gateways
  int month = month_of(c.word());
  if (month < 0) return std::nullopt;
  c.eat('-');
  size_t ybeg = (c.skip(), c.i);
  auto year = c.num(2, 4);
  if (!year) return std::nullopt;
  if (c.i - ybeg == 2) *year += *year < 50 ? 2000 : 1900;
  if (c.i - ybeg == 3) *year += 1900;
  auto hour = c.num(1, 2);
  if (!hour || !c.eat(':')) return std::nullopt;
  auto minute = c.num(2, 2);
  if (!minute) return std::nullopt;
  int second = 0;
  if (c.eat(':')) {
    auto sec = c.num(2, 2);
    if (!sec) return std::nullopt;
    second = *sec;
  }
  int zone = 0;
  if (!c.at_end()) {
    if (s[c.i] == '+' || s[c.i] == '-') {
      auto z = parse_zone(s.substr(c.i, 5));
      if (!z) return std::nullopt;
      zone = *z;
    } else {
      std::string name = c.word();
      if (name.empty()) return std::nullopt;
      zone = obsolete_zone(name);
    }
  }
  if (*day < 1 || *day > 31 || *hour > 23 || *minute > 59 || second > 60) return std::nullopt;
  std::tm tm{};
  tm.tm_year = *year - 1900;
  tm.tm_mon = month;
  tm.tm_mday = *day;
  tm.tm_hour = *hour;
  tm.tm_min = *minute;
  tm.tm_sec = second;
  std::time_t local = ::timegm(&tm);
  return ZonedTime{local - static_cast<std::time_t>(zone) * 60, zone};
}

}  // namespace posta::mime
