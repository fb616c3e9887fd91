// IMAP sequence sets and UID sets ("1:3,5,7:*"), normalised as they are built: the ranges
// are kept sorted, merged and disjoint, so a set's size is bounded by the distinct numbers it
// names and what it is resolved against (the folder), never by repetitions in the command
// text ("1:*,1:*,..." is one range).
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace posta::imap {

// The largest sequence number or UID (RFC 3501 nz-number). '*' is kept apart from it
// (add_star), so "4294967295" and "*" mean different things.
inline constexpr uint32_t kStar = 0xffffffffu;

class SequenceSet {
 public:
  using Interval = std::pair<uint32_t, uint32_t>;  // closed, first <= second

  // One range as written without '*': "a:b" or "a" (b == a), any 32-bit numbers.
  void add(uint32_t a, uint32_t b);
  // A range with '*': "a:*" or "*:a" (from = a), and "*" or "*:*" (from = kStar).
  void add_star(uint32_t from);
  // Sorts and merges what add() collected; the parser calls it once at the end of a set.
  void normalise();

  // Does n belong, with '*' meaning max (the largest number in use; 0 when none)?
  // O(log ranges).
  bool contains(uint32_t n, uint32_t max) const;
  // The set with '*' resolved to max and cut to 1..max: sorted, disjoint, non-adjacent
  // intervals, at most one per run of numbers (so never more than max / 2 + 1).
  std::vector<Interval> resolve(uint32_t max) const;

  // The ranges without '*': sorted, disjoint, non-adjacent once normalised.
  const std::vector<Interval>& finite() const { return finite_; }
  // The ranges with '*' fold into one tail: each "a:*" means a..max (or just max when
  // a > max), so together they are star_from()..max plus max itself.
  bool has_star() const { return has_star_; }
  uint32_t star_from() const { return star_from_; }  // kStar when only "*" was given
  // "$" (SEARCHRES, RFC 5182): the session's saved search result, which the session
  // resolves; the set has no ranges of its own then.
  bool last_result = false;

 private:
  std::vector<Interval> finite_;
  bool has_star_ = false;
  uint32_t star_from_ = kStar;
};

// "1:3,7,9:10": ascending numbers (repeats allowed) or intervals as a set in responses
// (VANISHED, MODIFIED, ESEARCH ALL); "" when empty.
std::string format_set(const std::vector<uint32_t>& ascending);
std::string format_set(const std::vector<SequenceSet::Interval>& ascending);

}  // namespace posta::imap
