// The tag=value lists of DKIM-Signature fields and key records (RFC 6376 section 3.2).
#pragma once
#include <map>
#include <string>
#include <string_view>

#include "base/error.h"

namespace posta::dkim {

using Tags = std::map<std::string, std::string>;

// Names are ALPHA *(ALPHA / DIGIT / "_"), values are trimmed of folding white space; a
// duplicate tag, a part without '=' or a malformed name is an error. A trailing ';' is allowed.
[[nodiscard]] Result<Tags> parse_tags(std::string_view list);

// s without any folding white space (b=, bh=, h= values).
std::string without_fws(std::string_view s);

}  // namespace posta::dkim
