// IMAP LIST/LSUB mailbox patterns (RFC 3501 6.3.8): '*' matches any run of characters, '%'
// any run without the hierarchy delimiter, everything else itself.
//
// Matching runs a bit-parallel automaton over the name (one bit per pattern position,
// Shift-And style): one pass, no backtracking and no recursion, so a name costs
// O(name length x pattern length / 64) whatever the pattern ("*a*a*a...*b" included).
// Patterns are capped at kMaxLength bytes.
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace posta::imap {

class ListPattern {
 public:
  static constexpr size_t kMaxLength = 1024;

  // nullopt when the pattern is longer than kMaxLength.
  static std::optional<ListPattern> compile(std::string_view pattern, char delimiter);
  bool matches(std::string_view name) const;

 private:
  ListPattern() = default;
  void closure(uint64_t* d) const;  // a wildcard at i may match nothing: i -> i + 1

  char delimiter_ = '.';
  size_t words_ = 0;               // 64-bit words per state set (states 0..m)
  size_t accept_ = 0;              // state m: the whole pattern matched
  std::vector<uint64_t> literal_;  // [byte * words_ + w]: states i where pattern[i] is that byte
  std::vector<uint64_t> star_, percent_, wild_;  // states i where pattern[i] is '*', '%', either
};

}  // namespace posta::imap
