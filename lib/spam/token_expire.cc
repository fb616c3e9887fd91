// TokenStore::expire (token_store.h): rare idle tokens and idle learned-message records.
#include <algorithm>
#include <functional>

#include "spam/token_store.h"

namespace posta::spam {
namespace {

// What becomes of one record, decided again inside the transaction that changes it: the
// learner may have learned it since the scan.
struct Change {
  enum Kind { kKeep, kDrop, kPut } kind = kKeep;
  std::string value;  // for kPut
};
using Decide = std::function<Result<Change>(std::string_view value)>;

struct Applied {
  size_t dropped = 0, kept = 0;
};

// Applies decide to the records at keys, in transactions of a batch each: a long expiry
// never holds more than a batch of page locks.
Result<Applied> change_in_batches(db::Env& env, db::Database& d, const std::vector<std::string>& keys,
                                  const Decide& decide) {
  constexpr size_t kBatch = 1000;
  Applied total;
  for (size_t from = 0; from < keys.size(); from += kBatch) {
    Applied batch;
    auto st = db::with_txn(env, [&](db::Txn& txn) -> Status {
      batch = {};
      for (size_t i = from; i < std::min(keys.size(), from + kBatch); ++i) {
        POSTA_TRY(auto v, d.get(&txn, keys[i], true));
        if (!v) continue;
        POSTA_TRY(Change c, decide(*v));
        if (c.kind == Change::kDrop) {
          POSTA_TRY([[maybe_unused]] bool gone, d.del(&txn, keys[i]));
          ++batch.dropped;
          continue;
        }
        ++batch.kept;
        if (c.kind == Change::kPut)
          if (auto s = d.put(&txn, keys[i], c.value); !s) return s;
      }
      return {};
    });
    if (!st) return std::unexpected(st.error());
    total.dropped += batch.dropped;
    total.kept += batch.kept;
  }
  return total;
}

// The keys of d under prefix whose value decide would change, and how many it keeps.
Result<std::vector<std::string>> to_change(db::Database& d, std::string_view prefix, const Decide& decide,
                                           size_t& kept) {
  std::vector<std::string> keys;
  Status bad;
  auto sc = d.scan(nullptr, prefix, [&](std::string_view k, std::string_view v) {
    auto c = decide(v);
    if (!c) bad = std::unexpected(c.error());
    else if (c->kind == Change::kKeep) ++kept;
    else keys.emplace_back(k);
    return bool(bad);
  });
  if (!sc) return std::unexpected(sc.error());
  if (!bad) return std::unexpected(bad.error());
  return keys;
}

}  // namespace

Result<ExpireStats> TokenStore::expire(uint32_t min_count, uint32_t max_idle_days, uint32_t day) {
  auto idle = [&](uint32_t last) { return static_cast<uint64_t>(last) + max_idle_days < day; };
  Decide token = [&](std::string_view v) -> Result<Change> {
    POSTA_TRY(auto c, decode_counts(v));
    bool rare = static_cast<uint64_t>(c.spam) + c.ham < min_count;
    return Change{rare && idle(c.day) ? Change::kDrop : Change::kKeep, {}};
  };
  Decide record = [&](std::string_view v) -> Result<Change> {
    POSTA_TRY(auto r, decode_learned(v));
    if (!r.day) return Change{Change::kPut, encode_learned(r.cls, day)};
    return Change{idle(*r.day) ? Change::kDrop : Change::kKeep, {}};
  };
  ExpireStats stats;
  POSTA_TRY(auto tokens, to_change(*tokens_, "w", token, stats.kept));
  POSTA_TRY(Applied t, change_in_batches(*env_, *tokens_, tokens, token));
  stats.dropped = t.dropped;
  stats.kept += t.kept;
  POSTA_TRY(auto records, to_change(*learned_, "", record, stats.records_kept));
  POSTA_TRY(Applied r, change_in_batches(*env_, *learned_, records, record));
  stats.records_dropped = r.dropped;
  stats.records_kept += r.kept;
  return stats;
}

}  // namespace posta::spam
