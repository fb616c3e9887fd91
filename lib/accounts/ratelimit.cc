#include "accounts/ratelimit.h"

#include <cerrno>
#include <charconv>
#include <string_view>

namespace posta::accounts {
namespace {

struct Entry {
  uint32_t count = 0;
  int64_t last = 0;
};

// "<count> <last>"; anything else reads as no failures (the record is advisory).
Entry parse(std::string_view s) {
  Entry e;
  auto sp = s.find(' ');
  if (sp == std::string_view::npos) return {};
  auto [p1, ec1] = std::from_chars(s.data(), s.data() + sp, e.count);
  auto [p2, ec2] = std::from_chars(s.data() + sp + 1, s.data() + s.size(), e.last);
  if (ec1 != std::errc() || ec2 != std::errc() || p1 != s.data() + sp || p2 != s.data() + s.size()) return {};
  return e;
}

constexpr const char* kFile = "ratelimit.db";

}  // namespace

Result<FailureCounter> FailureCounter::open(db::Env& env, int64_t window_seconds) {
  auto d = db::Database::open(env, kFile, true, false);
  if (!d) return std::unexpected(d.error());
  return FailureCounter(&env, std::move(*d), window_seconds);
}

Result<uint32_t> FailureCounter::failures(const std::string& key, int64_t now) {
  auto v = db_->get(nullptr, key);
  if (!v) return std::unexpected(v.error());
  if (!*v) return 0u;
  Entry e = parse(**v);
  return now - e.last > window_ ? 0u : e.count;
}

Result<uint32_t> FailureCounter::record_failure(const std::string& key, int64_t now) {
  uint32_t n = 0;
  auto st = db::with_txn(*env_, [&](db::Txn& txn) -> Status {
    auto v = db_->get(&txn, key, true);
    if (!v) return std::unexpected(v.error());
    Entry e = *v ? parse(**v) : Entry{};
    n = (now - e.last > window_ ? 0u : e.count) + 1;
    return db_->put(&txn, key, std::to_string(n) + " " + std::to_string(now));
  });
  if (!st) return std::unexpected(st.error());
  return n;
}

Status FailureCounter::reset(const std::string& key) {
  auto v = db_->get(nullptr, key);
  if (!v) return std::unexpected(v.error());
  if (!*v) return {};
  return db::with_txn(*env_, [&](db::Txn& txn) -> Status {
    auto d = db_->del(&txn, key);
    if (!d) return std::unexpected(d.error());
    return {};
  });
}

Status FailureCounter::forget(db::Env& env, const std::string& key) {
  {
    auto ro = db::Database::open(env, kFile, false, true);
    if (!ro) return ro.error().code == ENOENT ? Status{} : std::unexpected(ro.error());
    auto v = (*ro)->get(nullptr, key);
    if (!v) return std::unexpected(v.error());
    if (!*v) return {};
  }
  auto fc = open(env);
  if (!fc) return std::unexpected(fc.error());
  return fc->reset(key);
}

uint32_t failure_delay_ms(uint32_t n, uint32_t max_ms) {
  if (n <= 1) return 0;
  uint64_t d = 250;
  for (uint32_t i = 2; i < n && d < max_ms; ++i) d *= 2;
  return static_cast<uint32_t>(d < max_ms ? d : max_ms);
}

}  // namespace posta::accounts
