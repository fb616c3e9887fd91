// The vacation script `posta-user vacation` writes: readable Sieve (RFC 5230 vacation, RFC
// 5260 currentdate for an end date) that the user can still see and change over
// ManageSieve. When another script was active, the vacation script includes it (RFC 6609
// include :personal) after the vacation action, so the user's rules keep working, and
// names it in a marker comment so that `--off` can activate it again.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "base/error.h"

namespace posta::sieve {

inline constexpr std::string_view kVacationScriptName = "vacation";

struct VacationSettings {
  std::string subject;           // one line
  std::string body;              // the reply's text
  std::string until;             // "YYYY-MM-DD": last day of replies; "" = no end
  unsigned days = 7;             // one reply per sender per this many days
  std::string include;           // the previously active script, "" when none
};

// Checks the settings (a one-line subject, a UTF-8 body and subject, a real date, days 1 to
// 365) and renders the script.
[[nodiscard]] Result<std::string> vacation_script(const VacationSettings& s);

// The script a vacation script includes (its marker comment), nullopt when none.
std::optional<std::string> vacation_included(std::string_view script);

// A Sieve quoted string: "..." with '"' and '\' escaped.
std::string sieve_quote(std::string_view s);

// "YYYY-MM-DD" naming a real day of the Gregorian calendar.
bool valid_iso_date(std::string_view d);

}  // namespace posta::sieve
