// The interpreter's state for one message: actions so far, variables, flags, budget.
// interp.cc runs commands; eval_tests.cc evaluates tests.
#pragma once
#include <map>
#include <set>
#include <string>
#include <vector>

#include "sieve/match.h"
#include "sieve/message_view.h"
#include "sieve/program.h"
#include "sieve/sieve.h"

namespace posta::sieve {

// One running script: its variables (include gives each script its own).
struct Scope {
  const Program* program = nullptr;
  std::map<std::string, std::string> variables;
  std::set<std::string> globals;  // names declared global here
};

class Runner {
 public:
  Runner(const Message& msg, const RunOptions& opt);

  enum class Flow { kNext, kStop, kReturn };
  // Runs a whole script in a fresh scope.
  [[nodiscard]] Result<Flow> run_script(const Program& p);
  Outcome finish();

  // eval_tests.cc
  [[nodiscard]] Result<bool> test(const Test& t, Scope& s);

 private:
  const RunOptions& opt_;
  MessageView msg_;
  StepBudget budget_;
  Outcome out_;
  unsigned redirects_ = 0;
  unsigned includes_ = 0, include_depth_ = 0;
  bool vacation_seen_ = false;
  std::set<std::string> included_once_;
  std::map<std::string, std::string> global_vars_;
  std::vector<std::string> match_vars_;  // ${0}..${9}
  std::string flags_;                    // imap4flags internal variable (space-separated)

  [[nodiscard]] Result<Flow> block(const std::vector<Command>& cmds, Scope& s);
  [[nodiscard]] Result<Flow> command(const Command& c, Scope& s);
  [[nodiscard]] Status add_action(Action a, bool cancels_keep);
  [[nodiscard]] Result<Flow> include(const Command& c, Scope& s);
  [[nodiscard]] Status vacation(const Command& c, Scope& s);
  void set_variable(Scope& s, const std::string& name, std::string value);

 public:
  // Expansion of a string argument in scope s (RFC 5229), when it holds variables.
  std::string expand(const Str& str, Scope& s) const;
  std::vector<std::string> expand_all(const StrList& l, Scope& s) const;
  std::optional<std::string_view> variable(std::string_view name, const Scope& s) const;
  void set_match_vars(std::vector<std::string> v) { match_vars_ = std::move(v); }
  // Flags as a normalized list (RFC 5232: space-separated, duplicates removed).
  static std::vector<std::string> flag_list(const std::vector<std::string>& strings);
  std::string flags_of(const Command& c, Scope& s) const;

 private:
  friend class TestEval;
  const std::string& flag_variable(const Scope& s, std::string_view name) const;
};

}  // namespace posta::sieve
