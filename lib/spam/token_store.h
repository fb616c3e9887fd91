// Token counts of the statistical classifier in Berkeley DB.
//
// $POSTA_HOME/spam/db/ is a transactional environment joined only by the learner
// (`posta-spamcheck learn|unlearn|expire`, the IMAP-move learner): tokens.db (per token:
// messages learned as spam and as ham that held it, day last learned; and the totals) and
// learned.db (per learned message: the direction it was learned in, so a message is never
// counted twice in one direction and learning it the other way moves it, and the day it was
// last learned, so that expire() keeps it bounded as it keeps the tokens).
// $POSTA_HOME/spam/tokens.db is the published read-only copy of tokens.db that the
// per-message filter reads without joining the environment (a file never changed once it
// has its name; TokenStore::publish writes a new one and renames it into place).
// Per-user stores have the same layout under $POSTA_HOME/spam/users/<user>/.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "db/db.h"

namespace posta::spam {

enum class Class { kSpam, kHam };

struct TokenCounts {
  uint32_t spam = 0, ham = 0;  // learned messages that held the token
  uint32_t day = 0;            // day (since 1970-01-01 UTC) it was last learned
  bool operator==(const TokenCounts&) const = default;
};

// learned.db record (5 bytes): 's' or 'h', then the day (little-endian uint32) the message
// was last learned that way. A 1-byte record has no day: expire() gives it the day it runs.
struct LearnedRecord {
  Class cls = Class::kSpam;
  std::optional<uint32_t> day;
  bool operator==(const LearnedRecord&) const = default;
};
std::string encode_learned(Class cls, uint32_t day);
[[nodiscard]] Result<LearnedRecord> decode_learned(std::string_view v);

struct Totals {
  uint32_t spam = 0, ham = 0;  // messages learned
  bool operator==(const Totals&) const = default;
};

// Record codec (12 bytes: three little-endian uint32); decode rejects any other length.
std::string encode_counts(const TokenCounts& c);
[[nodiscard]] Result<TokenCounts> decode_counts(std::string_view v);

// $POSTA_HOME/spam, and the environment directory / published copy of the global store
// (user empty) or of one user's store. A user name with '/', NUL or a leading '.' is refused.
std::string spam_dir(const std::string& home);
[[nodiscard]] Result<std::string> store_dir(const std::string& home, std::string_view user = {});
[[nodiscard]] Result<std::string> published_path(const std::string& home, std::string_view user = {});

// Days since 1970-01-01 UTC, now.
uint32_t today();

// What the classifier reads.
class TokenSource {
 public:
  virtual ~TokenSource() = default;
  [[nodiscard]] virtual Result<Totals> totals() = 0;
  // nullopt when the token was never learned.
  [[nodiscard]] virtual Result<std::optional<TokenCounts>> lookup(std::string_view token) = 0;
};

// The published copy, opened without an environment or locks.
class PublishedTokens final : public TokenSource {
 public:
  // Error code ENOENT when there is no copy at path (nothing learned yet).
  [[nodiscard]] static Result<std::unique_ptr<PublishedTokens>> open(const std::string& path);
  [[nodiscard]] Result<Totals> totals() override;
  [[nodiscard]] Result<std::optional<TokenCounts>> lookup(std::string_view token) override;

 private:
  explicit PublishedTokens(std::unique_ptr<db::Database> d) : db_(std::move(d)) {}
  std::unique_ptr<db::Database> db_;
};

// The copy to classify a message to user with: the user's own when it has learned at least
// min_each spam and min_each ham messages, else the global one. nullptr when there is none.
[[nodiscard]] Result<std::unique_ptr<PublishedTokens>> open_published(const std::string& home,
                                                                      std::string_view user = {},
                                                                      uint32_t min_each = 200);

// One message to learn or unlearn: its key (learn.h message_key) and its tokens.
struct LearnItem {
  std::string key;
  std::vector<std::string> tokens;
};

enum class LearnOutcome {
  kLearned,     // counted in the asked direction
  kMoved,       // was learned the other way: uncounted there, counted here
  kAlready,     // already learned in this direction: nothing changed
  kUnlearned,   // unlearn: uncounted
  kNotLearned,  // unlearn of a message never learned: nothing changed
};

struct ExpireStats {
  size_t kept = 0, dropped = 0;                  // tokens
  size_t records_kept = 0, records_dropped = 0;  // learned-message records
};

// The learner's store: joins the environment.
class TokenStore final : public TokenSource {
 public:
  // dir is store_dir(); create makes it (and its DB_CONFIG) when missing.
  [[nodiscard]] static Result<std::unique_ptr<TokenStore>> open(const std::string& dir, bool create);
  [[nodiscard]] Result<Totals> totals() override;
  [[nodiscard]] Result<std::optional<TokenCounts>> lookup(std::string_view token) override;

  // Learns every item as cls (or unlearns it when cls is nullopt) in one transaction;
  // day is recorded as the tokens' last-learned day. One outcome per item, in order.
  [[nodiscard]] Result<std::vector<LearnOutcome>> apply(const std::vector<LearnItem>& items,
                                                        std::optional<Class> cls, uint32_t day);
  // How the message with this key was learned; nullopt when it was not.
  [[nodiscard]] Result<std::optional<Class>> learned_as(std::string_view key);
  // Drops the tokens held by fewer than min_count learned messages and not learned for
  // more than max_idle_days before day, and the records of messages not learned for more
  // than max_idle_days (their tokens stay counted: such a message learned again counts
  // again, and unlearn no longer knows it) (token_expire.cc).
  [[nodiscard]] Result<ExpireStats> expire(uint32_t min_count, uint32_t max_idle_days, uint32_t day);
  // Writes the published copy at path: a new file under a temporary name, fsynced, renamed.
  [[nodiscard]] Status publish(const std::string& path);

 private:
  TokenStore() = default;
  std::unique_ptr<db::Env> env_;
  std::unique_ptr<db::Database> tokens_, learned_;
};

}  // namespace posta::spam
