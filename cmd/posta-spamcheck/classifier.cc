// The statistical classifier in the checks: the published token store of the instance
// (spam/tokens.db, never a BDB environment), opened once per process, and the "BAYES_nn"
// contribution of a message (posta-spamcheck(8) "CLASSIFIER").
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "control/control.h"
#include "log/log.h"
#include "spam/tokenize.h"
#include "spamcheck.h"

namespace posta::spamcheck {

void load_classifier(const std::string& home, Checks& c) {
  long long min = Control(home).number("spamminlearned", 200);
  c.bayes.min_learned = static_cast<uint32_t>(std::max(1LL, std::min(min, 1LL << 30)));
  auto store = spam::open_published(home);
  if (!store) {
    // the classifier is left out, the other checks still run
    log::warning("token store: ", store.error().what);
    return;
  }
  c.tokens = std::shared_ptr<spam::TokenSource>(std::move(*store));
}

void use_recipient_store(Checks& c, const std::string& home, std::string_view address) {
  std::string user(address);
  for (auto& ch : user) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  auto path = spam::published_path(home, user);
  if (!path || ::access(path->c_str(), F_OK) != 0) return;  // no store of its own
  auto store = spam::open_published(home, user, c.bayes.min_learned);
  if (!store) {
    log::warning("token store of ", user, ": ", store.error().what);
    return;
  }
  if (*store) c.tokens = std::shared_ptr<spam::TokenSource>(std::move(*store));
}

std::optional<spam::BayesResult> classify_message(const Checks& c, std::string_view message) {
  if (!c.tokens) return std::nullopt;
  auto r = spam::classify(*c.tokens, spam::tokenize(message), c.bayes);
  if (!r) {
    log::warning("token store: ", r.error().what);
    return std::nullopt;
  }
  return std::move(*r);
}

std::optional<spam::Contribution> bayes_contribution(const spam::BayesResult& r) {
  auto rule = spam::bayes_rule(r);
  if (!rule) return std::nullopt;
  char text[96];
  std::snprintf(text, sizeof text, "spam probability %.4f (%zu tokens)", r.probability, r.used.size());
  return spam::Contribution{std::string(rule->name), rule->score, text};
}

}  // namespace posta::spamcheck
