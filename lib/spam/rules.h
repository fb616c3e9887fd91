// The rules of posta-spamcheck (posta-spamrules(5)): a readable file of header, body and uri
// regular expressions and meta rules over them, each with a score and a description.
// Patterns are PCRE2, JIT-compiled when the platform has it, and every match runs under a
// match limit, a depth limit and a heap limit: hostile input costs bounded CPU and memory
// (never std::regex on message content: its backtracking recurses without limit).
//
// Loading: add() each file (the instance's rules, then its additions), then finish() once.
// GTUBE (kGtube) fires with kGtubeScore whatever the files say.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/error.h"
#include "spam/analysis.h"
#include "spam/content.h"

namespace posta::spam {

inline constexpr std::string_view kGtube = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";
inline constexpr double kGtubeScore = 1000;
inline constexpr double kDefaultRuleScore = 1.0;  // a rule without a score line ("__" rules: 0)

struct RuleLimits {
  size_t max_rules = 2000;
  size_t max_pattern = 1024;      // bytes of one regular expression
  size_t max_line = 4096;         // bytes of one line of a rules file
  size_t max_meta_terms = 128;    // names and operators of one meta expression
  size_t max_meta_nesting = 32;   // parentheses and ! of one meta expression
  double max_score = 1000;        // |score|
  uint32_t match_limit = 100000;  // PCRE2 match limit of one match call
  uint32_t depth_limit = 1000;    // PCRE2 backtracking depth limit (interpreter)
  uint32_t heap_limit_kib = 8192; // PCRE2 heap limit of one match call
};

// What an evaluation cost, for the log: matches that hit a PCRE2 limit count as no match.
struct RuleStats {
  size_t matches_run = 0, limit_hits = 0;
};

class RuleSet {
 public:
  explicit RuleSet(RuleLimits limits = {});
  ~RuleSet();
  RuleSet(RuleSet&&) noexcept;
  RuleSet& operator=(RuleSet&&) noexcept;

  // Adds the rules of one file; errors say "file:line: what". A rule defined in an earlier
  // file may be defined again (the new definition replaces it), not twice in the same file.
  [[nodiscard]] Status add(std::string_view text, std::string_view file);
  // Checks what needs every file: the names meta rules use exist, metas have no cycle,
  // score and describe lines name rules that exist.
  [[nodiscard]] Status finish();

  // Appends every fired rule that counts (a name not starting with "__", a score not 0) to
  // out.fired, GTUBE first when present.
  void evaluate(const Content& c, Analysis& out, RuleStats* stats = nullptr) const;

  size_t size() const;

  struct Rule;

 private:
  RuleLimits limits_;
  std::vector<std::unique_ptr<Rule>> rules_;
  std::unordered_map<std::string, size_t> index_;
  std::vector<size_t> meta_order_;  // meta rules, each after the metas it uses
  struct Pending;                   // score/describe lines kept for finish()
  std::vector<Pending> pending_;
  int files_ = 0;
};

}  // namespace posta::spam
