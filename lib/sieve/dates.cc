#include "sieve/dates.h"

#include <cstdio>

#include "base/strings.h"

namespace posta::sieve {

namespace {

const char* const kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
const char* const kMonthNames[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

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
