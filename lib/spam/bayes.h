// The statistical classifier: Robinson's token probability f(w) and Fisher's chi-square
// combining (as SpamBayes and bogofilter do) over the most significant tokens of a message.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "spam/token_store.h"

namespace posta::spam {

struct BayesOptions {
  double s = 1.0, x = 0.5;          // Robinson: strength and value of the prior for f(w)
  // The values below were chosen by cross-validation on the bench's training split
  // (test/bench/lib/spam_tune.py, which has the figures).
  size_t max_discriminators = 300;  // tokens combined, most significant first
  double min_strength = 0.1;        // tokens with |f(w) - 0.5| below this are left out
  uint32_t min_count = 1;           // tokens learned from fewer messages are left out
  // Spam and ham messages each learned before the classifier says anything (SpamAssassin's
  // bayes_min_spam_num / bayes_min_ham_num): a handful of messages gives confident nonsense.
  uint32_t min_learned = 200;
};

struct TokenEvidence {
  std::string token;
  double f = 0.5;                   // Robinson's f(w)
  uint32_t spam = 0, ham = 0;       // learned messages that held it
};

struct BayesResult {
  bool trained = false;             // false: too little learned; probability is 0.5
  double probability = 0.5;         // spam probability in [0, 1]
  std::vector<TokenEvidence> used;  // the tokens combined, most significant first
};

// Robinson's f(w) for a token learned counts.spam / counts.ham times out of totals.
double token_probability(const TokenCounts& counts, const Totals& totals, const BayesOptions& o = {});

// Fisher chi-square combination of f values: (S - H + 1) / 2 with
// S = 1 - Q(-2 sum ln(1 - f), 2n), H = 1 - Q(-2 sum ln f, 2n). 0.5 for none.
double chi2_combine(const std::vector<double>& fs);

// Classifies a message from its tokens (tokenize.h) with the counts in store.
[[nodiscard]] Result<BayesResult> classify(TokenSource& store, const std::vector<std::string>& tokens,
                                           const BayesOptions& o = {});

// The rule-like entry a spam probability adds to the score of a message. A confident
// probability alone reaches the default spam score (5.0); the cut-offs were chosen by
// cross-validation on the training split (spam_tune.py) for the fewest errors with at most
// 0.1% of ham flagged.
//   probability     rule        score
//   >= 0.999        BAYES_999   +5.0
//   >= 0.99         BAYES_99    +5.0
//   >= 0.95         BAYES_95    +4.0
//   >= 0.80         BAYES_80    +3.0
//   >= 0.60         BAYES_60    +2.0
//   >= 0.40         BAYES_50     0.0
//   >= 0.20         BAYES_40    -0.5
//   >= 0.05         BAYES_20    -1.0
//   >= 0.01         BAYES_05    -1.5
//   <  0.01         BAYES_00    -2.0
// nullopt for an untrained result (no entry at all).
struct BayesRule {
  std::string_view name;
  double score = 0;
};
std::optional<BayesRule> bayes_rule(const BayesResult& r);
BayesRule bayes_rule(double probability);

}  // namespace posta::spam
