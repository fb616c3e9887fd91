// Checks a parsed script against the commands, tests, tags and extensions this
// implementation supports, and builds the typed Program.
#pragma once
#include <vector>

#include "sieve/ast.h"
#include "sieve/program.h"

namespace posta::sieve {

[[nodiscard]] Result<Program> check(const std::vector<CommandNode>& commands, const Limits& limits);

// compile() in two halves, shared with the compiled forms (compiled_form.h): the syntax
// tree of text (size, lexer and parser bounds), and the checked script of a tree.
[[nodiscard]] Result<std::vector<CommandNode>> parse_script(std::string_view text, const Limits& limits);
[[nodiscard]] Result<Script> check_script(const std::vector<CommandNode>& tree, const Limits& limits);

// The parser's bounds out of the script limits.
inline ParseLimits parse_limits(const Limits& l) { return ParseLimits{l.max_nesting, l.max_string_list, l.max_nodes}; }

// True when s holds a variable reference "${" (RFC 5229 section 3).
bool has_variable_reference(std::string_view s);

}  // namespace posta::sieve
