// Dates for the date and currentdate tests (RFC 5260): RFC 5322 date parsing, zones,
// and the date parts ("year", "date", "iso8601", ...).
#pragma once
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

#include "mime/date.h"

namespace posta::sieve {

// RFC 5322 date-times and zones: mime/date.h.
using mime::parse_mail_date;
using mime::parse_zone;
using mime::ZonedTime;

// The offset of the local zone at t, in minutes.
int local_offset_minutes(std::time_t t);

// The date part of t in its zone; "" for an unknown part.
std::string date_part(const ZonedTime& t, std::string_view part);

}  // namespace posta::sieve
