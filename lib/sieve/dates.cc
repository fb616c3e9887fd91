#include "sieve/dates.h"

#include <cstdio>

#include "base/strings.h"

namespace posta::sieve {

namespace {

const char* const kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
const char* const kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
const char* const kMonthNames[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

struct Cursor {
  std::string_view s;
  size_t i = 0;
  void skip() {
    for (;;) {
      while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) ++i;
      if (i < s.size() && s[i] == '(') {  // comment
        int depth = 0;
        while (i < s.size()) {
          if (s[i] == '(') ++depth;
          if (s[i] == ')' && --depth == 0) {
            ++i;
            break;
          }
          ++i;
        }
        continue;
      }
      break;
    }
  }
  std::optional<int> num(size_t min_digits, size_t max_digits) {
    skip();
    size_t b = i;
    int v = 0;
    while (i < s.size() && i - b < max_digits && s[i] >= '0' && s[i] <= '9') v = v * 10 + (s[i++] - '0');
    if (i - b < min_digits) return std::nullopt;
    return v;
  }
  std::string word() {
    skip();
    size_t b = i;
    while (i < s.size() && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z'))) ++i;
    return std::string(s.substr(b, i - b));
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

std::optional<int> obsolete_zone(std::string_view z) {
  std::string l = lower(std::string(z));
  if (l == "ut" || l == "gmt" || l == "z") return 0;
  if (l == "edt") return -4 * 60;
  if (l == "est" || l == "cdt") return -5 * 60;
  if (l == "cst" || l == "mdt") return -6 * 60;
  if (l == "mst" || l == "pdt") return -7 * 60;
  if (l == "pst") return -8 * 60;
  if (l.size() == 1) return 0;  // military zones: RFC 5322 says treat as -0000
  return std::nullopt;
}

std::string two(int v) {
  char b[8];
  std::snprintf(b, sizeof b, "%02d", v);
  return b;
}

std::string zone_text(int off, bool colon) {
  char sign = off < 0 ? '-' : '+';
  int a = off < 0 ? -off : off;
  return std::string(1, sign) + two(a / 60) + (colon ? ":" : "") + two(a % 60);
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
    if (!c.eat(',')) return std::nullopt;
  } else {
    c.i = save;
  }
  auto day = c.num(1, 2);
  if (!day) return std::nullopt;
  std::string mon = lower(c.word());
  int month = -1;
  for (int k = 0; k < 12; ++k) {
    if (mon == kMonths[k]) month = k;
  }
  if (month < 0) return std::nullopt;
  size_t ybeg = (c.skip(), c.i);
  auto year = c.num(2, 4);
  if (!year) return std::nullopt;
  if (c.i - ybeg == 2) *year += *year < 50 ? 2000 : 1900;
  if (c.i - ybeg == 3) *year += 1900;
  auto hour = c.num(2, 2);
  if (!hour || !c.eat(':')) return std::nullopt;
  auto minute = c.num(2, 2);
  if (!minute) return std::nullopt;
  int second = 0;
  if (c.eat(':')) {
    auto sec = c.num(2, 2);
    if (!sec) return std::nullopt;
    second = *sec;
  }
  c.skip();
  std::optional<int> zone;
  if (c.i < s.size() && (s[c.i] == '+' || s[c.i] == '-')) {
    zone = parse_zone(s.substr(c.i, 5));
  } else {
    zone = obsolete_zone(c.word());
  }
  if (!zone) return std::nullopt;
  if (*day < 1 || *day > 31 || *hour > 23 || *minute > 59 || second > 60) return std::nullopt;
  std::tm tm{};
  tm.tm_year = *year - 1900;
  tm.tm_mon = month;
  tm.tm_mday = *day;
  tm.tm_hour = *hour;
  tm.tm_min = *minute;
  tm.tm_sec = second;
  std::time_t local = ::timegm(&tm);
  return ZonedTime{local - static_cast<std::time_t>(*zone) * 60, *zone};
}

int local_offset_minutes(std::time_t t) {
  std::tm tm{};
  ::localtime_r(&t, &tm);
  return static_cast<int>(tm.tm_gmtoff / 60);
}

std::string date_part(const ZonedTime& t, std::string_view part) {
  std::time_t local = t.utc + static_cast<std::time_t>(t.offset_minutes) * 60;
  std::tm tm{};
  ::gmtime_r(&local, &tm);
  char year[16];
  std::snprintf(year, sizeof year, "%04d", tm.tm_year + 1900);
  std::string date = std::string(year) + "-" + two(tm.tm_mon + 1) + "-" + two(tm.tm_mday);
  std::string time = two(tm.tm_hour) + ":" + two(tm.tm_min) + ":" + two(tm.tm_sec);
  if (part == "year") return year;
  if (part == "month") return two(tm.tm_mon + 1);
  if (part == "day") return two(tm.tm_mday);
  if (part == "date") return date;
  if (part == "julian") {
    long long days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
    return std::to_string(days + 40587);  // Modified Julian Day of 1970-01-01
  }
  if (part == "hour") return two(tm.tm_hour);
  if (part == "minute") return two(tm.tm_min);
  if (part == "second") return two(tm.tm_sec);
  if (part == "time") return time;
  if (part == "iso8601") return date + "T" + time + zone_text(t.offset_minutes, true);
  if (part == "std11")
    return std::string(kDays[tm.tm_wday]) + ", " + two(tm.tm_mday) + " " + kMonthNames[tm.tm_mon] + " " + year +
           " " + time + " " + zone_text(t.offset_minutes, false);
  if (part == "zone") return zone_text(t.offset_minutes, false);
  if (part == "weekday") return std::to_string(tm.tm_wday);
  return "";
}

}  // namespace posta::sieve
