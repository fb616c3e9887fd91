// The inside of a RuleSet (rules.h), shared by its loading (rules.cc) and its evaluation
// (rules_eval.cc); nothing else includes it.
#pragma once
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <memory>
#include <string>
#include <vector>

#include "spam/rules.h"

namespace posta::spam {

namespace rules_detail {

enum class Kind { kHeader, kBody, kUri, kMeta };

struct CodeFree {
  void operator()(pcre2_code* c) const { pcre2_code_free(c); }
};

// Meta expressions in postfix form: a rule index, or an operator.
struct MetaOp {
  enum Type { kRule, kNot, kAnd, kOr } type;
  size_t rule = 0;
};

}  // namespace rules_detail

struct RuleSet::Rule {
  using Kind = rules_detail::Kind;
  std::string name;
  Kind kind = Kind::kBody;
  std::string field;        // header: the field name, "ALL" or ":types"
  bool raw = false;         // header: the value as written, not RFC 2047-decoded
  bool exists = false;      // header: exists:Field
  bool negate = false;      // header: !~
  std::unique_ptr<pcre2_code, rules_detail::CodeFree> code;
  std::string meta_text;    // meta: the expression until finish() compiles it
  std::string where;        // "file:line" of the definition
  std::vector<rules_detail::MetaOp> meta;
  double score = kDefaultRuleScore;
  std::string description;
  int file = 0;
};

}  // namespace posta::spam
