// compile(): tokenize, parse, check.
#include "sieve/ast.h"
#include "sieve/checker.h"
#include "sieve/program.h"
#include "sieve/sieve.h"

namespace posta::sieve {

const std::vector<std::string>& Script::required() const {
  static const std::vector<std::string> none;
  return program_ ? program_->required : none;
}

Result<std::vector<CommandNode>> parse_script(std::string_view text, const Limits& l) {
  if (text.size() > l.max_script_size)
    return fail(located(Position{}, "script too large (" + std::to_string(text.size()) + " bytes, limit " +
                                        std::to_string(l.max_script_size) + ")"));
  POSTA_TRY(auto tokens, tokenize(text, l.max_string_size));
  return parse(tokens, parse_limits(l));
}

Result<Script> check_script(const std::vector<CommandNode>& tree, const Limits& l) {
  POSTA_TRY(Program p, check(tree, l));
  return Script(std::make_shared<const Program>(std::move(p)));
}

Result<Script> compile(std::string_view text, const CompileOptions& options) {
  POSTA_TRY(auto tree, parse_script(text, options.limits));
  return check_script(tree, options.limits);
}

}  // namespace posta::sieve
