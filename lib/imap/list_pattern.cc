#include "imap/list_pattern.h"

#include <string>

namespace posta::imap {
namespace {

void set_bit(std::vector<uint64_t>& v, size_t base, size_t i) { v[base + i / 64] |= uint64_t{1} << (i % 64); }

}  // namespace

std::optional<ListPattern> ListPattern::compile(std::string_view pattern, char delimiter) {
  if (pattern.size() > kMaxLength) return std::nullopt;
  // A run of wildcards is one: '*' if it has one ("%*" and "*%" match what '*' does), else '%'.
  std::string p;
  for (char c : pattern) {
    bool wild = c == '*' || c == '%';
    if (wild && !p.empty() && (p.back() == '*' || p.back() == '%')) {
      if (c == '*') p.back() = '*';
      continue;
    }
    p += c;
  }
  ListPattern lp;
  lp.delimiter_ = delimiter;
  lp.accept_ = p.size();
  lp.words_ = p.size() / 64 + 1;
  lp.literal_.assign(256 * lp.words_, 0);
  lp.star_.assign(lp.words_, 0);
  lp.percent_.assign(lp.words_, 0);
  lp.wild_.assign(lp.words_, 0);
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] == '*' || p[i] == '%') {
      set_bit(p[i] == '*' ? lp.star_ : lp.percent_, 0, i);
      set_bit(lp.wild_, 0, i);
    } else {
      set_bit(lp.literal_, static_cast<unsigned char>(p[i]) * lp.words_, i);
    }
  }
  return lp;
}

// d |= (d & wild) << 1. Wildcard runs are collapsed, so one step is the whole closure.
void ListPattern::closure(uint64_t* d) const {
  uint64_t carry = 0;
  for (size_t w = 0; w < words_; ++w) {
    uint64_t e = d[w] & wild_[w];
    d[w] |= (e << 1) | carry;
    carry = e >> 63;
  }
}

bool ListPattern::matches(std::string_view name) const {
  // Two state sets on the stack for the common short pattern, the heap for long ones.
  uint64_t small[2][4];
  std::vector<uint64_t> big;
  uint64_t* cur = small[0];
  uint64_t* next = small[1];
  if (words_ > 4) {
    big.assign(2 * words_, 0);
    cur = big.data();
    next = big.data() + words_;
  }
  for (size_t w = 0; w < words_; ++w) cur[w] = 0;
  cur[0] = 1;  // state 0: nothing matched yet
  closure(cur);
  for (char ch : name) {
    const uint64_t* lit = &literal_[static_cast<unsigned char>(ch) * words_];
    bool may_percent = ch != delimiter_;
    uint64_t carry = 0, any = 0;
    for (size_t w = 0; w < words_; ++w) {
      uint64_t advanced = cur[w] & lit[w];  // a literal matched: i -> i + 1
      uint64_t stay = cur[w] & (star_[w] | (may_percent ? percent_[w] : 0));  // a wildcard absorbs ch
      next[w] = (advanced << 1) | carry | stay;
      carry = advanced >> 63;
      any |= next[w];
    }
    if (!any) return false;
    closure(next);
    std::swap(cur, next);
  }
  return (cur[accept_ / 64] >> (accept_ % 64)) & 1;
}

}  // namespace posta::imap
