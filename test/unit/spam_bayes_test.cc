// Unit tests of lib/spam bayes: Robinson's f(w), chi-square combining, the choice of
// significant tokens, the score table, and a quick quality check on the fixtures.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>

#include "io/fd.h"
#include "spam/bayes.h"
#include "spam/learn.h"
#include "tmpdir.h"

using namespace posta;
using namespace posta::spam;

namespace {

// An in-memory store.
struct MapSource : TokenSource {
  Totals t;
  std::map<std::string, TokenCounts, std::less<>> m;
  Result<Totals> totals() override { return t; }
  Result<std::optional<TokenCounts>> lookup(std::string_view tok) override {
    auto it = m.find(tok);
    if (it == m.end()) return std::optional<TokenCounts>{};
    return std::optional<TokenCounts>{it->second};
  }
};

std::string fixture(const std::string& name) {
  const char* src = std::getenv("POSTA_SRC");
  auto r = read_file(std::string(src && *src ? src : ".") + "/test/fixtures/spam/" + name);
  EXPECT_TRUE(r) << name;
  return r ? *r : "";
}

}  // namespace

TEST(SpamBayes, TokenProbability) {
  Totals t{10, 10};
  EXPECT_DOUBLE_EQ(token_probability({0, 0, 0}, t), 0.5);
  EXPECT_DOUBLE_EQ(token_probability({1, 0, 0}, t), 0.75);   // (0.5 + 1) / 2
  EXPECT_DOUBLE_EQ(token_probability({0, 1, 0}, t), 0.25);
  EXPECT_DOUBLE_EQ(token_probability({5, 5, 0}, t), 0.5);
  EXPECT_NEAR(token_probability({10, 0, 0}, t), 10.5 / 11, 1e-12);
  // ratios, not raw counts: twice as many ham messages learned
  EXPECT_DOUBLE_EQ(token_probability({2, 4, 0}, Totals{10, 20}), 0.5);
  // counts beyond the totals are capped
  EXPECT_DOUBLE_EQ(token_probability({50, 0, 0}, Totals{10, 10}), (0.5 + 50) / 51);
  EXPECT_DOUBLE_EQ(token_probability({1, 0, 0}, Totals{0, 0}), 0.5);
}

TEST(SpamBayes, Chi2Combine) {
  EXPECT_DOUBLE_EQ(chi2_combine({}), 0.5);
  EXPECT_GT(chi2_combine(std::vector<double>(20, 0.99)), 0.99);
  EXPECT_LT(chi2_combine(std::vector<double>(20, 0.01)), 0.01);
  EXPECT_NEAR(chi2_combine({0.9, 0.1}), 0.5, 1e-9);
  EXPECT_NEAR(chi2_combine({0.2, 0.7, 0.99}) + chi2_combine({0.8, 0.3, 0.01}), 1.0, 1e-9);
  // many extreme values neither overflow nor leave [0, 1]
  double p = chi2_combine(std::vector<double>(150, 0.9999));
  EXPECT_GE(p, 0.999);
  EXPECT_LE(p, 1.0);
  p = chi2_combine(std::vector<double>(150, 0.0001));
  EXPECT_LE(p, 0.001);
  EXPECT_GE(p, 0.0);
}

TEST(SpamBayes, ClassifyPicksSignificantTokens) {
  MapSource s;
  s.t = {200, 200};
  s.m["spammy"] = {90, 1, 0};
  s.m["hammy"] = {1, 60, 0};
  s.m["neutral"] = {50, 50, 0};
  s.m["weak"] = {3, 2, 0};
  auto r = classify(s, {"hammy", "neutral", "spammy", "unknown", "weak"});
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->trained);
  ASSERT_EQ(r->used.size(), 2u);
  EXPECT_EQ(r->used[0].token, "spammy");  // |f - 0.5| is larger
  EXPECT_EQ(r->used[0].spam, 90u);
  EXPECT_EQ(r->used[1].token, "hammy");
  BayesOptions one;
  one.max_discriminators = 1;
  r = classify(s, {"hammy", "spammy", "spammy2"}, one);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->used.size(), 1u);
  EXPECT_GT(r->probability, 0.9);
  BayesOptions counted;
  counted.min_count = 100;
  r = classify(s, {"hammy", "spammy"}, counted);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->used.empty());
  EXPECT_DOUBLE_EQ(r->probability, 0.5);
}

TEST(SpamBayes, UntrainedGivesNoRule) {
  MapSource s;
  s.t = {300, 199};
  s.m["spammy"] = {90, 0, 0};
  auto r = classify(s, {"spammy"});
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->trained);
  EXPECT_DOUBLE_EQ(r->probability, 0.5);
  EXPECT_FALSE(bayes_rule(*r));
}

TEST(SpamBayes, ScoreTable) {
  const std::pair<double, std::string_view> kWant[] = {
      {1.0, "BAYES_999"}, {0.999, "BAYES_999"}, {0.995, "BAYES_99"}, {0.97, "BAYES_95"},
      {0.9, "BAYES_80"},  {0.7, "BAYES_60"},    {0.5, "BAYES_50"},   {0.3, "BAYES_40"},
      {0.1, "BAYES_20"},  {0.02, "BAYES_05"},   {0.0, "BAYES_00"}};
  for (auto& [p, name] : kWant) EXPECT_EQ(bayes_rule(p).name, name) << p;
  EXPECT_DOUBLE_EQ(bayes_rule(1.0).score, 5.0);
  EXPECT_DOUBLE_EQ(bayes_rule(0.99).score, 5.0);  // confident alone reaches the default spam score
  EXPECT_DOUBLE_EQ(bayes_rule(0.5).score, 0.0);
  EXPECT_DOUBLE_EQ(bayes_rule(0.0).score, -2.0);
  double last = 10;
  for (double p = 1.0; p >= 0; p -= 0.001) {
    EXPECT_LE(bayes_rule(p).score, last);
    last = bayes_rule(p).score;
  }
}

// Not a measure of accuracy (make bench has the corpus): a sanity check that the pieces
// fit, learning six spam and six ham fixtures through the published copy.
TEST(SpamBayes, FixturesSeparate) {
  test::TempDir home("posta-spam-bayes");
  auto st = TokenStore::open(*store_dir(home.path), true);
  ASSERT_TRUE(st) << st.error().what;
  for (int i = 1; i <= 6; ++i) {
    auto s = learn_message(**st, fixture("spam-" + std::to_string(i) + ".eml"), Class::kSpam);
    ASSERT_TRUE(s && *s == LearnOutcome::kLearned);
    auto h = learn_message(**st, fixture("ham-" + std::to_string(i) + ".eml"), Class::kHam);
    ASSERT_TRUE(h && *h == LearnOutcome::kLearned);
  }
  ASSERT_TRUE((*st)->publish(*published_path(home.path)));
  auto pub = open_published(home.path);
  ASSERT_TRUE(pub && *pub);
  auto untrained = classify(**pub, tokenize(fixture("test-spam.eml")));
  ASSERT_TRUE(untrained);
  EXPECT_FALSE(untrained->trained);  // 6 of each is below the default minimum
  BayesOptions few;
  few.min_learned = 6;
  auto spam = classify(**pub, tokenize(fixture("test-spam.eml")), few);
  ASSERT_TRUE(spam);
  EXPECT_TRUE(spam->trained);
  EXPECT_GT(spam->probability, 0.9);
  auto ham = classify(**pub, tokenize(fixture("test-ham.eml")), few);
  ASSERT_TRUE(ham);
  EXPECT_LT(ham->probability, 0.1);
  ASSERT_FALSE(spam->used.empty());
  EXPECT_GT(spam->used.front().f, 0.5);
}
