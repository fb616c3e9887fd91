// Comparators (RFC 4790: i;octet, i;ascii-casemap, i;ascii-numeric) and match types
// (:is, :contains, :matches with wildcards, :regex, relational :value/:count).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sieve/program.h"

namespace posta::sieve {

// Counts evaluation work; exceeding the budget is a run-time error. So is passing the CPU
// time deadline, looked at every 65536 steps: a backstop for work the steps undercount.
struct StepBudget {
  uint64_t used = 0, limit = 0;
  uint32_t regex_match_limit = 100000;
  uint64_t cpu_limit_ms = 0;     // 0: no CPU time limit
  int64_t cpu_deadline_ns = 0;   // the process's CPU time (CLOCK_PROCESS_CPUTIME_ID) to stop at
  uint64_t next_clock_check = 0;
  // Starts the CPU time limit from now.
  void start_clock(uint64_t limit_ms);
  [[nodiscard]] Status charge(uint64_t n);
};

// :matches with '*' and '?' ('\' quotes the next character). captures (when given)
// receives ${0} (the whole value) and one entry per wildcard, shortest-first as RFC 5229 asks.
[[nodiscard]] Result<bool> wildcard_match(std::string_view pattern, std::string_view value, Comparator c,
                                          StepBudget& budget, std::vector<std::string>* captures);

// Relational comparison of a and b under comparator c (RFC 5231).
bool relation_holds(Relation r, std::string_view a, std::string_view b, Comparator c);

// One value against one key for :is, :contains, :matches, :value (and :regex with re).
[[nodiscard]] Result<bool> match_one(const MatchSpec& m, std::string_view value, std::string_view key,
                                     const Regex* re, StepBudget& budget, std::vector<std::string>* captures);

}  // namespace posta::sieve
