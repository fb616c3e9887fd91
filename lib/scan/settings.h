// The "NAME VALUE" lines of the scanners' control files (control/clamd,
// control/attachmentpolicy).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "base/error.h"

namespace posta::scan {

// "name value ..." -> {"name" (lower-cased), "value ..." (trimmed)}; fails without a value.
[[nodiscard]] Result<std::pair<std::string, std::string>> split_setting(std::string_view line);
// A number with an optional K, M, G or T suffix (1024-based: parse_byte_size).
[[nodiscard]] Result<uint64_t> parse_bytes(std::string_view s);

}  // namespace posta::scan
