#include "imap/sequence_set.h"

#include <algorithm>

namespace posta::imap {

void SequenceSet::add(uint32_t a, uint32_t b) { finite_.emplace_back(std::min(a, b), std::max(a, b)); }

void SequenceSet::add_star(uint32_t from) {
  has_star_ = true;
  star_from_ = std::min(star_from_, from);  // "*:*" and "*" keep kStar: just max
}

void SequenceSet::normalise() {
  std::sort(finite_.begin(), finite_.end());
  size_t out = 0;
  for (size_t i = 0; i < finite_.size(); ++i) {
    // Merge overlapping and adjacent ranges (5:7,8:9 -> 5:9); 64-bit: second may be 4294967295.
    if (out > 0 && uint64_t{finite_[i].first} <= uint64_t{finite_[out - 1].second} + 1) {
      finite_[out - 1].second = std::max(finite_[out - 1].second, finite_[i].second);
    } else {
      finite_[out++] = finite_[i];
    }
  }
  finite_.resize(out);
  finite_.shrink_to_fit();
}

bool SequenceSet::contains(uint32_t n, uint32_t max) const {
  if (has_star_ && max > 0 && (n == max || (star_from_ <= n && n <= max))) return true;
  auto it = std::upper_bound(finite_.begin(), finite_.end(), n,
                             [](uint32_t v, const Interval& r) { return v < r.first; });
  return it != finite_.begin() && n <= std::prev(it)->second;
}

std::vector<SequenceSet::Interval> SequenceSet::resolve(uint32_t max) const {
  std::vector<Interval> out;
  if (max == 0) return out;
  // The star part, tail..max. A separate flag, not kStar as "none": max may itself be
  // 4294967295 (the highest UID there can be), and "*" then resolves to exactly that.
  const bool has_tail = has_star_;
  const uint32_t tail = has_star_ ? std::min(star_from_, max) : max;
  auto push = [&](uint32_t lo, uint32_t hi) {
    if (!out.empty() && uint64_t{lo} <= uint64_t{out.back().second} + 1)
      out.back().second = std::max(out.back().second, hi);
    else
      out.emplace_back(lo, hi);
  };
  for (auto [lo, hi] : finite_) {
    if (lo > max) break;
    if (has_tail && tail <= lo) break;  // the tail covers this and everything after
    push(lo, std::min(hi, max));
  }
  if (has_tail) push(tail, max);
  return out;
}

std::string format_set(const std::vector<SequenceSet::Interval>& ascending) {
  std::string out;
  std::vector<SequenceSet::Interval> merged;
  for (auto iv : ascending) {
    if (!merged.empty() && merged.back().second != kStar && iv.first <= merged.back().second + 1)
      merged.back().second = std::max(merged.back().second, iv.second);
    else
      merged.push_back(iv);
  }
  for (auto [a, b] : merged) {
    if (!out.empty()) out += ',';
    out += std::to_string(a);
    if (b != a) out += ':' + std::to_string(b);
  }
  return out;
}

std::string format_set(const std::vector<uint32_t>& ascending) {
  std::vector<SequenceSet::Interval> v;
  v.reserve(ascending.size());
  for (uint32_t n : ascending) v.emplace_back(n, n);
  return format_set(v);
}

}  // namespace posta::imap
