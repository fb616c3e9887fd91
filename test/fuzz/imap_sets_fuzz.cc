// libFuzzer target for what IMAP commands do with sequence sets and LIST patterns:
// FETCH/STORE/COPY/MOVE/SEARCH/UID EXPUNGE sets through the normaliser, and LIST/LSUB
// patterns through the matcher, each checked against its definition.
// Input: "<set or pattern>\n<name>\n<folder size>" (missing parts have defaults).
// Built by `make fuzz` into build-fuzz/bin/ (clang 16, ASan+UBSan) and run for a short
// while by test/bats/fuzz.bats.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "imap/list_pattern.h"
#include "imap/parser.h"

using namespace posta::imap;

namespace {

[[noreturn]] void fail(const char* what) {
  __builtin_printf("invariant broken: %s\n", what);
  std::abort();
}

// The definition of a LIST pattern, as a table (O(pattern x name), fine for short inputs).
bool reference_match(std::string_view pat, std::string_view name, char delim) {
  std::vector<char> prev(name.size() + 1, 0), cur(name.size() + 1, 0);
  prev[0] = 1;
  for (size_t j = 1; j <= name.size(); ++j) prev[j] = 0;
  for (char c : pat) {
    for (size_t j = 0; j <= name.size(); ++j) {
      if (c == '*') cur[j] = prev[j] || (j > 0 && cur[j - 1]);
      else if (c == '%') cur[j] = prev[j] || (j > 0 && name[j - 1] != delim && cur[j - 1]);
      else cur[j] = j > 0 && name[j - 1] == c && prev[j - 1];
    }
    std::swap(prev, cur);
  }
  return prev[name.size()];
}

void check_set(const SequenceSet& s, uint32_t max) {
  const auto& f = s.finite();
  for (size_t i = 0; i < f.size(); ++i) {
    if (f[i].first == 0 || f[i].first > f[i].second) fail("finite range empty or from 0");
    if (i && uint64_t{f[i].first} <= uint64_t{f[i - 1].second} + 1) fail("finite ranges not merged");
  }
  auto iv = s.resolve(max);
  uint64_t total = 0;
  for (size_t i = 0; i < iv.size(); ++i) {
    if (iv[i].first == 0 || iv[i].first > iv[i].second || iv[i].second > max) fail("resolved range out of 1..max");
    if (i && uint64_t{iv[i].first} <= uint64_t{iv[i - 1].second} + 1) fail("resolved ranges not merged");
    total += iv[i].second - iv[i].first + 1;
  }
  if (iv.size() > max / 2 + 1) fail("more intervals than the folder allows");
  if (total > max) fail("more members than the folder");
  // contains() agrees with resolve() on the numbers around every edge.
  auto in_resolved = [&](uint32_t n) {
    for (auto [lo, hi] : iv)
      if (n >= lo && n <= hi) return true;
    return false;
  };
  std::vector<uint32_t> probes{1, max, max + 1u, s.star_from()};
  for (auto [lo, hi] : f) probes.insert(probes.end(), {lo - 1, lo, hi, hi + 1});
  for (uint32_t n : probes)
    if (n >= 1 && n <= max && s.contains(n, max) != in_resolved(n)) fail("contains() and resolve() disagree");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string in(reinterpret_cast<const char*>(data), size);
  size_t nl1 = in.find('\n');
  std::string first = in.substr(0, nl1);
  std::string name, count;
  if (nl1 != std::string::npos) {
    size_t nl2 = in.find('\n', nl1 + 1);
    name = in.substr(nl1 + 1, nl2 == std::string::npos ? std::string::npos : nl2 - nl1 - 1);
    if (nl2 != std::string::npos) count = in.substr(nl2 + 1, 9);
  }
  uint32_t max = static_cast<uint32_t>(std::strtoul(count.c_str(), nullptr, 10));

  // A sequence set, as FETCH, STORE, COPY, MOVE and UID EXPUNGE parse it, and in SEARCH.
  RawCommand cmd{first, {}};
  {
    Parser p(cmd);
    if (auto s = p.sequence_set()) {
      check_set(*s, max);
      check_set(*s, max % 100);
    }
  }
  {
    Parser p(cmd);
    if (auto k = p.search_program())
      for (auto& key : k->sub)
        if (key.kind == SearchKey::Kind::kUid || key.kind == SearchKey::Kind::kSeqSet) check_set(key.set, max % 1000);
  }

  // A LIST pattern as the parser reads it, matched against the name.
  Parser p(cmd);
  auto pat = p.list_mailbox();
  std::string pattern = pat ? *pat : first;
  auto lp = ListPattern::compile(pattern, '.');
  if (!lp) {
    if (pattern.size() <= ListPattern::kMaxLength) fail("a pattern within the cap refused");
    return 0;
  }
  bool got = lp->matches(name);
  if (pattern.size() * (name.size() + 1) <= 200000 && got != reference_match(pattern, name, '.'))
    fail("LIST pattern match differs from the definition");
  return 0;
}
