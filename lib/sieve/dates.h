// Dates for the date and currentdate tests (RFC 5260): RFC 5322 date parsing, zones,
// and the date parts ("year", "date", "iso8601", ...).
#pragma once
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace posta::sieve {

struct ZonedTime {
  std::time_t utc = 0;
  int offset_minutes = 0;  // east of UTC
};

// An RFC 5322 date-time ("Tue, 1 Jul 2003 10:52:37 +0200"; obsolete zone names too). For a
// Received field pass the text after its last ';'.
std::optional<ZonedTime> parse_mail_date(std::string_view s);

// "+0100" / "-0530" -> minutes east of UTC.
std::optional<int> parse_zone(std::string_view s);

// The offset of the local zone at t, in minutes.
int local_offset_minutes(std::time_t t);

// The date part of t in its zone; "" for an unknown part.
std::string date_part(const ZonedTime& t, std::string_view part);

}  // namespace posta::sieve
