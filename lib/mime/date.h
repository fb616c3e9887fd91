// RFC 5322 date-time parsing, obsolete forms included (RFC 5322 4.3): the Date header for
// SORT/THREAD sent dates (RFC 5256 2.2) and the Sieve date test (RFC 5260).
#pragma once
#include <ctime>
#include <optional>
#include <string_view>

namespace posta::mime {

struct ZonedTime {
  std::time_t utc = 0;
  int offset_minutes = 0;  // east of UTC
};

// "Tue, 1 Jul 2003 10:52:37 +0200", and the obsolete and lenient forms seen in real mail:
// no day name or no comma after it, comments and folding anywhere, 2- and 3-digit years
// (RFC 5322 4.3), no seconds, named zones (UT, GMT, EST ... PDT; single-letter military
// zones and unknown names are -0000 as RFC 5322 4.3 says), no zone at all (UTC); what
// follows the zone is ignored ("+0200 CEST"). Anything else is nullopt. For a Received
// field pass the text after its last ';'.
std::optional<ZonedTime> parse_mail_date(std::string_view s);

// "+0100" / "-0530" -> minutes east of UTC.
std::optional<int> parse_zone(std::string_view s);

}  // namespace posta::mime
