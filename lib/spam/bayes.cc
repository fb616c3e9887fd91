#include "spam/bayes.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace posta::spam {

double token_probability(const TokenCounts& c, const Totals& t, const BayesOptions& o) {
  // Ratios capped at 1: a token can be in no more messages than were learned (counts and
  // totals drift apart when a message is unlearned after the tokenizer changed).
  double spam_ratio = t.spam ? std::min(1.0, static_cast<double>(c.spam) / t.spam) : 0;
  double ham_ratio = t.ham ? std::min(1.0, static_cast<double>(c.ham) / t.ham) : 0;
  double n = static_cast<double>(c.spam) + c.ham;
  if (spam_ratio + ham_ratio == 0) return o.x;
  double p = spam_ratio / (spam_ratio + ham_ratio);
  return (o.s * o.x + n * p) / (o.s + n);
}

namespace {

// Q(x2, v): probability that a chi-square variable with v (even) degrees of freedom
// exceeds x2.
double chi2q(double x2, size_t v) {
  double m = x2 / 2, term = std::exp(-m), sum = term;
  for (size_t i = 1; i < v / 2; ++i) {
    term *= m / static_cast<double>(i);
    sum += term;
  }
  return std::min(sum, 1.0);
}

}  // namespace

double chi2_combine(const std::vector<double>& fs) {
  if (fs.empty()) return 0.5;
  double ln_spam = 0, ln_ham = 0;
  for (double f : fs) {
    ln_ham += std::log(f);
    ln_spam += std::log1p(-f);
  }
  double s = 1 - chi2q(-2 * ln_spam, 2 * fs.size());
  double h = 1 - chi2q(-2 * ln_ham, 2 * fs.size());
  return std::clamp((s - h + 1) / 2, 0.0, 1.0);
}

Result<BayesResult> classify(TokenSource& store, const std::vector<std::string>& tokens, const BayesOptions& o) {
  BayesResult r;
  POSTA_TRY(Totals totals, store.totals());
  if (totals.spam < o.min_learned || totals.ham < o.min_learned) return r;
  r.trained = true;
  std::vector<TokenEvidence> found;
  for (auto& tok : tokens) {
    POSTA_TRY(auto c, store.lookup(tok));
    if (!c || static_cast<uint64_t>(c->spam) + c->ham < o.min_count) continue;
    double f = token_probability(*c, totals, o);
    if (std::abs(f - 0.5) < o.min_strength) continue;
    found.push_back({tok, f, c->spam, c->ham});
  }
  size_t n = std::min(found.size(), o.max_discriminators);
  // Strongest first; equal strength in token order so a result does not depend on the sort.
  std::partial_sort(found.begin(), found.begin() + static_cast<std::ptrdiff_t>(n), found.end(),
                    [](const TokenEvidence& a, const TokenEvidence& b) {
                      double sa = std::abs(a.f - 0.5), sb = std::abs(b.f - 0.5);
                      return sa != sb ? sa > sb : a.token < b.token;
                    });
  found.resize(n);
  std::vector<double> fs;
  fs.reserve(n);
  for (auto& c : found) fs.push_back(c.f);
  r.probability = chi2_combine(fs);
  r.used = std::move(found);
  return r;
}

BayesRule bayes_rule(double p) {
  static constexpr std::array<std::pair<double, BayesRule>, 9> kTable{{
      {0.999, {"BAYES_999", 5.0}},
      {0.99, {"BAYES_99", 5.0}},
      {0.95, {"BAYES_95", 4.0}},
      {0.80, {"BAYES_80", 3.0}},
      {0.60, {"BAYES_60", 2.0}},
      {0.40, {"BAYES_50", 0.0}},
      {0.20, {"BAYES_40", -0.5}},
      {0.05, {"BAYES_20", -1.0}},
      {0.01, {"BAYES_05", -1.5}},
  }};
  for (auto& [from, rule] : kTable)
    if (p >= from) return rule;
  return {"BAYES_00", -2.0};
}

std::optional<BayesRule> bayes_rule(const BayesResult& r) {
  if (!r.trained) return std::nullopt;
  return bayes_rule(r.probability);
}

}  // namespace posta::spam
