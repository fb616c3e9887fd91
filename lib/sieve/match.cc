#include "sieve/match.h"

#include <string.h>
#include <time.h>

#include "sieve/regex.h"

namespace posta::sieve {

namespace {

constexpr uint64_t kClockEverySteps = 1 << 16;

int64_t process_cpu_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

}  // namespace

void StepBudget::start_clock(uint64_t limit_ms) {
  cpu_limit_ms = limit_ms;
  if (limit_ms == 0) return;
  cpu_deadline_ns = process_cpu_ns() + static_cast<int64_t>(limit_ms) * 1000000;
  next_clock_check = used + kClockEverySteps;
}

Status StepBudget::charge(uint64_t n) {
  used += n;
  if (used > limit) return fail("execution limit reached (" + std::to_string(limit) + " steps)");
  if (cpu_limit_ms && used >= next_clock_check) {
    next_clock_check = used + kClockEverySteps;
    if (process_cpu_ns() > cpu_deadline_ns)
      return fail("CPU time limit reached (" + std::to_string(cpu_limit_ms) + " ms)");
  }
  return {};
}

namespace {

char fold(char c, Comparator cmp) {
  if (cmp == Comparator::kAsciiCasemap && c >= 'a' && c <= 'z') return static_cast<char>(c - 'a' + 'A');
  return c;
}

std::string folded(std::string_view s, Comparator cmp) {
  std::string out(s);
  if (cmp == Comparator::kAsciiCasemap) {
    for (char& c : out) c = fold(c, cmp);
  }
  return out;
}

// i;ascii-numeric: the leading digits as a number; no leading digit = positive infinity.
// Returns <0, 0, >0.
int numeric_compare(std::string_view a, std::string_view b) {
  auto digits = [](std::string_view s) {
    size_t n = 0;
    while (n < s.size() && s[n] >= '0' && s[n] <= '9') ++n;
    std::string_view d = s.substr(0, n);
    while (d.size() > 1 && d[0] == '0') d.remove_prefix(1);
    return std::pair<bool, std::string_view>(n > 0, d);
  };
  auto [ha, da] = digits(a);
  auto [hb, db] = digits(b);
  if (!ha || !hb) return ha == hb ? 0 : ha ? -1 : 1;
  if (da.size() != db.size()) return da.size() < db.size() ? -1 : 1;
  return da.compare(db) < 0 ? -1 : da.compare(db) > 0 ? 1 : 0;
}

int ordered_compare(std::string_view a, std::string_view b, Comparator c) {
  if (c == Comparator::kAsciiNumeric) return numeric_compare(a, b);
  size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    unsigned char x = static_cast<unsigned char>(fold(a[i], c)), y = static_cast<unsigned char>(fold(b[i], c));
    if (x != y) return x < y ? -1 : 1;
  }
  return a.size() == b.size() ? 0 : a.size() < b.size() ? -1 : 1;
}

struct PatternChar {
  enum Kind { kLiteral, kOne, kAny } kind;
  char c;
};

std::vector<PatternChar> compile_pattern(std::string_view p, Comparator cmp) {
  std::vector<PatternChar> out;
  out.reserve(p.size());
  for (size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    if (c == '\\' && i + 1 < p.size()) {
      out.push_back({PatternChar::kLiteral, fold(p[++i], cmp)});
    } else if (c == '*') {
      if (!out.empty() && out.back().kind == PatternChar::kAny) continue;  // "**" is "*"
      out.push_back({PatternChar::kAny, 0});
    } else if (c == '?') {
      out.push_back({PatternChar::kOne, 0});
    } else {
      out.push_back({PatternChar::kLiteral, fold(c, cmp)});
    }
  }
  return out;
}

}  // namespace

Result<bool> wildcard_match(std::string_view pattern, std::string_view value, Comparator cmp, StepBudget& budget,
                            std::vector<std::string>* captures) {
  std::vector<PatternChar> pat = compile_pattern(pattern, cmp);
  // Two-pointer matching with backtracking to the last '*' only: each '*' takes the
  // shortest span that lets the rest match, scanning left to right.
  std::vector<std::pair<size_t, size_t>> spans(pat.size(), {0, 0});  // per wildcard: [begin, end)
  size_t p = 0, v = 0;
  size_t star = std::string::npos, star_v = 0;
  uint64_t iterations = 0;
  while (v < value.size()) {
    if ((++iterations & 1023) == 0) {
      if (auto s = budget.charge(1024); !s) return std::unexpected(s.error());
    }
    if (p < pat.size() && pat[p].kind == PatternChar::kOne) {
      spans[p] = {v, v + 1};
      ++p;
      ++v;
    } else if (p < pat.size() && pat[p].kind == PatternChar::kLiteral && pat[p].c == fold(value[v], cmp)) {
      ++p;
      ++v;
    } else if (p < pat.size() && pat[p].kind == PatternChar::kAny) {
      star = p;
      star_v = v;
      spans[p] = {v, v};
      ++p;
    } else if (star != std::string::npos) {
      p = star + 1;
      v = ++star_v;
      spans[star].second = v;
    } else {
      return false;
    }
  }
  while (p < pat.size() && pat[p].kind == PatternChar::kAny) {
    spans[p] = {v, v};
    ++p;
  }
  if (p != pat.size()) return false;
  if (captures) {
    captures->clear();
    captures->emplace_back(value);
    for (size_t i = 0; i < pat.size() && captures->size() < 10; ++i) {
      if (pat[i].kind == PatternChar::kLiteral) continue;
      captures->emplace_back(value.substr(spans[i].first, spans[i].second - spans[i].first));
    }
  }
  return true;
}

bool relation_holds(Relation r, std::string_view a, std::string_view b, Comparator c) {
  int x = ordered_compare(a, b, c);
  switch (r) {
    case Relation::kGt: return x > 0;
    case Relation::kGe: return x >= 0;
    case Relation::kLt: return x < 0;
    case Relation::kLe: return x <= 0;
    case Relation::kEq: return x == 0;
    case Relation::kNe: return x != 0;
  }
  return false;
}

Result<bool> match_one(const MatchSpec& m, std::string_view value, std::string_view key, const Regex* re,
                       StepBudget& budget, std::vector<std::string>* captures) {
  if (auto s = budget.charge(1 + (value.size() + key.size()) / 256); !s) return std::unexpected(s.error());
  switch (m.type) {
    case MatchType::kIs:
      if (m.comparator == Comparator::kAsciiNumeric) return numeric_compare(value, key) == 0;
      return value.size() == key.size() && ordered_compare(value, key, m.comparator) == 0;
    case MatchType::kContains: {
      if (key.empty()) return true;
      if (m.comparator == Comparator::kOctet)
        return ::memmem(value.data(), value.size(), key.data(), key.size()) != nullptr;
      std::string v = folded(value, m.comparator), k = folded(key, m.comparator);
      return ::memmem(v.data(), v.size(), k.data(), k.size()) != nullptr;  // two-way: linear time
    }
    case MatchType::kMatches:
      return wildcard_match(key, value, m.comparator, budget, captures);
    case MatchType::kRegex: {
      if (!re) return false;
      if (auto s = budget.charge(value.size() / 64); !s) return std::unexpected(s.error());
      return re->match(value, budget.regex_match_limit, captures);
    }
    case MatchType::kValue:
      return relation_holds(m.relation, value, key, m.comparator);
    case MatchType::kCount:
      break;
  }
  return false;
}

}  // namespace posta::sieve
