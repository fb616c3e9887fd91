// Rate limit settings: control/ratelimitip ("conn=60 msg=120", per minute), ratelimitauth
// ("msg=200 rcpt=1000", per hour), ratelimitdomain ("msg=1000", per hour). A missing word
// or 0 means no limit.
#pragma once
#include <cstdint>
#include <map>
#include <string>

#include "base/error.h"
#include "control/control.h"

namespace posta::policy {

using Limits = std::map<std::string, uint32_t, std::less<>>;

// Words "name=N" with names from `allowed` (space separated); fails on anything else.
[[nodiscard]] Result<Limits> parse_limits(const std::string& line, const std::string& allowed);
// The first line of control file `name`; a malformed one is logged and means no limits.
Limits load_limits(const Control& ctl, const std::string& name, const std::string& allowed);
// The limit named, 0 when none.
uint32_t limit_of(const Limits& l, std::string_view name);

}  // namespace posta::policy
