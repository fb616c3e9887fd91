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

Result<Script> compile(std::string_view text, const CompileOptions& options) {
  const Limits& l = options.limits;
  if (text.size() > l.max_script_size)
    return fail(located(Position{}, "script too large (" + std::to_string(text.size()) + " bytes, limit " +
                                        std::to_string(l.max_script_size) + ")"));
  POSTA_TRY(auto tokens, tokenize(text, l.max_string_size));
  POSTA_TRY(auto tree, parse(tokens, ParseLimits{l.max_nesting, l.max_string_list, l.max_nodes}));
  POSTA_TRY(Program p, check(tree, l));
  return Script(std::make_shared<const Program>(std::move(p)));
}

}  // namespace posta::sieve
