// RFC 5229 variables: "${name}" / "${1}" expansion and the set modifiers.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace posta::sieve {

// Looks a variable up by its lower-cased name ("subject", "1"); nullopt = unset ("").
using VariableLookup = std::function<std::optional<std::string_view>(std::string_view name)>;

// s with every well-formed reference replaced; malformed ones stay as written. The result
// is cut at max bytes.
std::string expand_variables(std::string_view s, const VariableLookup& lookup, size_t max);

// The set command's modifiers (program.h SetModifier bits), applied in RFC 5229's order.
std::string apply_modifiers(std::string value, unsigned modifiers);

}  // namespace posta::sieve
