// :regex match type (draft-ietf-sieve-regex): POSIX-extended-like patterns run by PCRE2
// with a match limit, so that a hostile pattern costs bounded CPU.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace posta::sieve {

class Regex {
 public:
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // caseless for i;ascii-casemap. Errors carry PCRE2's message.
  [[nodiscard]] static Result<std::shared_ptr<const Regex>> compile(std::string_view pattern, bool caseless);

  // Whether s matches; groups (when given) receive ${0}..${9}. An error when the match
  // limit was reached.
  [[nodiscard]] Result<bool> match(std::string_view s, uint32_t match_limit, std::vector<std::string>* groups) const;

 private:
  explicit Regex(void* code) : code_(code) {}
  void* code_;  // pcre2_code_8
};

}  // namespace posta::sieve
