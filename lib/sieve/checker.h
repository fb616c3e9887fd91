// Checks a parsed script against the commands, tests, tags and extensions this
// implementation supports, and builds the typed Program.
#pragma once
#include <vector>

#include "sieve/ast.h"
#include "sieve/program.h"

namespace posta::sieve {

[[nodiscard]] Result<Program> check(const std::vector<CommandNode>& commands, const Limits& limits);

// True when s holds a variable reference "${" (RFC 5229 section 3).
bool has_variable_reference(std::string_view s);

}  // namespace posta::sieve
