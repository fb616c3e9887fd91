// Bytes as lower-case hexadecimal and back (binary data in environment variables).
#pragma once
#include <string>
#include <string_view>

#include "base/error.h"

namespace posta {

std::string hex_encode(std::string_view in);

// The value of one hex digit, either case; -1 for anything else.
int hex_digit_value(char c);

// An even number of hex digits, either case; anything else is an error.
[[nodiscard]] Result<std::string> hex_decode(std::string_view in);

}  // namespace posta
