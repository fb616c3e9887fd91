#include "spam/token_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <map>

#include "io/fd.h"

namespace posta::spam {
namespace {

// Keys of tokens.db: "w" + token, and kTotalsKey for the totals (tokens hold no control
// bytes, so "t" never collides with a token key).
constexpr std::string_view kTotalsKey = "t";
std::string word_key(std::string_view token) { return "w" + std::string(token); }

// Region sizes of a new environment: one learning transaction touches up to a page per
// distinct token of its batch (learn.cc keeps batches below kMaxBatchTokens), beyond the
// 1,000 locks Berkeley DB gives by default.
constexpr std::string_view kDbConfig =
    "set_lk_max_locks 60000\n"
    "set_lk_max_objects 60000\n"
    "set_cachesize 0 16777216 1\n";

void put_u32(std::string& s, uint32_t v) {
  for (int i = 0; i < 4; ++i) s += static_cast<char>((v >> (8 * i)) & 0xff);
}
uint32_t get_u32(std::string_view s, size_t at) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<unsigned char>(s[at + i])) << (8 * i);
  return v;
}

Result<Totals> read_totals(db::Database& d, db::Txn* txn, bool for_update = false) {
  POSTA_TRY(auto v, d.get(txn, kTotalsKey, for_update));
  if (!v) return Totals{};
  POSTA_TRY(auto c, decode_counts(*v));
  return Totals{c.spam, c.ham};
}

Result<std::optional<TokenCounts>> read_token(db::Database& d, db::Txn* txn, std::string_view token, bool for_update = false) {
  POSTA_TRY(auto v, d.get(txn, word_key(token), for_update));
  if (!v) return std::optional<TokenCounts>{};
  POSTA_TRY(auto c, decode_counts(*v));
  return std::optional<TokenCounts>{c};
}

uint32_t add_clamped(uint32_t v, int64_t d) {
  int64_t r = static_cast<int64_t>(v) + d;
  return static_cast<uint32_t>(std::clamp<int64_t>(r, 0, UINT32_MAX));
}

Status mkdirs(const std::string& dir) {
  for (size_t at = 1; at <= dir.size(); ++at) {
    if (at != dir.size() && dir[at] != '/') continue;
    std::string p = dir.substr(0, at);
    if (::mkdir(p.c_str(), 0750) != 0 && errno != EEXIST) return fail_sys("unable to create " + p);
  }
  return {};
}

Status write_db_config(const std::string& dir) {
  std::string path = dir + "/DB_CONFIG";
  if (::access(path.c_str(), F_OK) == 0) return {};
  Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640));
  if (!fd) return errno == EEXIST ? Status{} : fail_sys("unable to create " + path);
  if (::write(fd.get(), kDbConfig.data(), kDbConfig.size()) != static_cast<ssize_t>(kDbConfig.size()))
    return fail_sys("unable to write " + path);
  return {};
}

bool valid_user(std::string_view u) {
  return !u.empty() && u.size() <= 255 && u[0] != '.' && u.find('/') == std::string_view::npos &&
         u.find('\0') == std::string_view::npos;
}

}  // namespace

std::string encode_counts(const TokenCounts& c) {
  std::string s;
  s.reserve(12);
  put_u32(s, c.spam);
  put_u32(s, c.ham);
  put_u32(s, c.day);
  return s;
}

Result<TokenCounts> decode_counts(std::string_view v) {
  if (v.size() != 12) return fail("bad token record of " + std::to_string(v.size()) + " bytes");
  return TokenCounts{get_u32(v, 0), get_u32(v, 4), get_u32(v, 8)};
}

std::string encode_learned(Class cls, uint32_t day) {
  std::string s(1, cls == Class::kSpam ? 's' : 'h');
  put_u32(s, day);
  return s;
}

Result<LearnedRecord> decode_learned(std::string_view v) {
  if ((v.size() != 1 && v.size() != 5) || (v[0] != 's' && v[0] != 'h'))
    return fail("bad learned-message record of " + std::to_string(v.size()) + " bytes");
  LearnedRecord r{v[0] == 's' ? Class::kSpam : Class::kHam, std::nullopt};
  if (v.size() == 5) r.day = get_u32(v, 1);
  return r;
}

std::string spam_dir(const std::string& home) { return home + "/spam"; }

Result<std::string> store_dir(const std::string& home, std::string_view user) {
  if (user.empty()) return spam_dir(home) + "/db";
  if (!valid_user(user)) return fail("bad user name for a token store: " + std::string(user));
  return spam_dir(home) + "/users/" + std::string(user) + "/db";
}

Result<std::string> published_path(const std::string& home, std::string_view user) {
  if (user.empty()) return spam_dir(home) + "/tokens.db";
  if (!valid_user(user)) return fail("bad user name for a token store: " + std::string(user));
  return spam_dir(home) + "/users/" + std::string(user) + "/tokens.db";
}

uint32_t today() { return static_cast<uint32_t>(std::time(nullptr) / 86400); }

Result<std::unique_ptr<PublishedTokens>> PublishedTokens::open(const std::string& path) {
  POSTA_TRY(auto d, db::Database::open_file(path));
  return std::unique_ptr<PublishedTokens>(new PublishedTokens(std::move(d)));
}

Result<Totals> PublishedTokens::totals() { return read_totals(*db_, nullptr); }

Result<std::optional<TokenCounts>> PublishedTokens::lookup(std::string_view token) {
  return read_token(*db_, nullptr, token);
}

Result<std::unique_ptr<PublishedTokens>> open_published(const std::string& home, std::string_view user,
                                                        uint32_t min_each) {
  if (!user.empty()) {
    POSTA_TRY(std::string path, published_path(home, user));
    auto own = PublishedTokens::open(path);
    if (own) {
      POSTA_TRY(Totals t, (*own)->totals());
      if (t.spam >= min_each && t.ham >= min_each) return std::move(*own);
    } else if (own.error().code != ENOENT) {
      return std::unexpected(own.error());
    }
  }
  auto global = PublishedTokens::open(spam_dir(home) + "/tokens.db");
  if (!global) {
    if (global.error().code == ENOENT) return std::unique_ptr<PublishedTokens>();
    return std::unexpected(global.error());
  }
  return std::move(*global);
}

Result<std::unique_ptr<TokenStore>> TokenStore::open(const std::string& dir, bool create) {
  if (create) {
    if (auto s = mkdirs(dir); !s) return std::unexpected(s.error());
    if (auto s = write_db_config(dir); !s) return std::unexpected(s.error());
  }
  std::unique_ptr<TokenStore> st(new TokenStore);
  POSTA_TRY(st->env_, db::Env::open(dir, create));
  POSTA_TRY(st->tokens_, db::Database::open(*st->env_, "tokens.db", true, false));
  POSTA_TRY(st->learned_, db::Database::open(*st->env_, "learned.db", true, false));
  return st;
}

Result<Totals> TokenStore::totals() { return read_totals(*tokens_, nullptr); }

Result<std::optional<TokenCounts>> TokenStore::lookup(std::string_view token) {
  return read_token(*tokens_, nullptr, token);
}

Result<std::optional<Class>> TokenStore::learned_as(std::string_view key) {
  POSTA_TRY(auto v, learned_->get(nullptr, key));
  if (!v || v->empty()) return std::optional<Class>{};
  return std::optional<Class>{(*v)[0] == 's' ? Class::kSpam : Class::kHam};
}

Result<std::vector<LearnOutcome>> TokenStore::apply(const std::vector<LearnItem>& items,
                                                   std::optional<Class> cls, uint32_t day) {
  std::vector<LearnOutcome> out;
  auto st = db::with_txn(*env_, [&](db::Txn& txn) -> Status {
    out.clear();
    std::map<std::string_view, std::pair<int64_t, int64_t>> delta;  // token -> spam, ham
    std::map<std::string_view, std::optional<Class>> state;         // learned records to write
    int64_t dspam = 0, dham = 0;
    auto count = [&](const LearnItem& it, Class c, int sign) {
      for (auto& t : it.tokens) (c == Class::kSpam ? delta[t].first : delta[t].second) += sign;
      (c == Class::kSpam ? dspam : dham) += sign;
    };
    for (auto& it : items) {
      std::optional<Class> prev;
      if (auto s = state.find(it.key); s != state.end()) {
        prev = s->second;
      } else {
        POSTA_TRY(auto v, learned_->get(&txn, it.key, true));
        if (v && !v->empty()) prev = (*v)[0] == 's' ? Class::kSpam : Class::kHam;
      }
      if (!cls) {
        out.push_back(prev ? LearnOutcome::kUnlearned : LearnOutcome::kNotLearned);
        if (prev) count(it, *prev, -1), state[it.key] = std::nullopt;
        continue;
      }
      if (prev == cls) {
        out.push_back(LearnOutcome::kAlready);
        state[it.key] = cls;  // seen again: its record's day moves on
        continue;
      }
      out.push_back(prev ? LearnOutcome::kMoved : LearnOutcome::kLearned);
      if (prev) count(it, *prev, -1);
      count(it, *cls, +1);
      state[it.key] = cls;
    }
    // In key order: concurrent learners lock pages in the same order.
    for (auto& [tok, d] : delta) {
      if (d.first == 0 && d.second == 0) continue;
      POSTA_TRY(auto c, read_token(*tokens_, &txn, tok, true));
      TokenCounts n = c.value_or(TokenCounts{});
      n.spam = add_clamped(n.spam, d.first);
      n.ham = add_clamped(n.ham, d.second);
      if (d.first > 0 || d.second > 0) n.day = std::max(n.day, day);
      std::string key = word_key(tok);
      if (n.spam == 0 && n.ham == 0) {
        if (c) {
          POSTA_TRY([[maybe_unused]] bool gone, tokens_->del(&txn, key));
        }
      } else if (auto s = tokens_->put(&txn, key, encode_counts(n)); !s) {
        return s;
      }
    }
    if (dspam || dham) {
      POSTA_TRY(Totals t, read_totals(*tokens_, &txn, true));
      TokenCounts n{add_clamped(t.spam, dspam), add_clamped(t.ham, dham), day};
      if (auto s = tokens_->put(&txn, kTotalsKey, encode_counts(n)); !s) return s;
    }
    for (auto& [key, c] : state) {
      if (!c) {
        POSTA_TRY([[maybe_unused]] bool gone, learned_->del(&txn, key));
      } else if (auto s = learned_->put(&txn, key, encode_learned(*c, day)); !s) {
        return s;
      }
    }
    return {};
  });
  if (!st) return std::unexpected(st.error());
  return out;
}

Status TokenStore::publish(const std::string& path) {
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) return fail_sys("unable to stat " + dir);
  // One publisher at a time, each copying after its own commits: the last rename is never
  // an older state than the last commit.
  std::string lock_path = path + ".lock", tmp = path + ".new";
  Fd lock(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!lock) return fail_sys("unable to open " + lock_path);
  while (::flock(lock.get(), LOCK_EX) != 0)
    if (errno != EINTR) return fail_sys("unable to lock " + lock_path);
  ::unlink(tmp.c_str());
  POSTA_TRY(auto out, db::Database::create_file(tmp));
  Status bad;
  auto sc = tokens_->scan(nullptr, "", [&](std::string_view k, std::string_view v) {
    bad = out->put(nullptr, k, v);
    return bool(bad);
  });
  if (!sc) return sc;
  if (!bad) return bad;
  if (auto f = out->finish(tmp); !f) return f;
  // The group of the directory may read it; nobody else.
  if (::chown(tmp.c_str(), static_cast<uid_t>(-1), st.st_gid) != 0 && errno != EPERM)
    return fail_sys("unable to chown " + tmp);
  if (::chmod(tmp.c_str(), 0640) != 0) return fail_sys("unable to chmod " + tmp);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return fail_sys("unable to rename " + tmp);
  return fsync_dir(dir);
}

}  // namespace posta::spam
