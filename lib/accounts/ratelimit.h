// Failed-login counting in the `ratelimit` database (posta-auth): one record per key
// ("ip:<addr>", "user:<login>") holding "<failures> <unix time of the last failure>".
// A key whose last failure is older than the window counts as zero again.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "base/error.h"
#include "db/db.h"

namespace posta::accounts {

class FailureCounter {
 public:
  [[nodiscard]] static Result<FailureCounter> open(db::Env& env, int64_t window_seconds = 900);
  // Current failures of key at time now (a read; no write).
  [[nodiscard]] Result<uint32_t> failures(const std::string& key, int64_t now);
  // Counts one more failure; returns the new count.
  [[nodiscard]] Result<uint32_t> record_failure(const std::string& key, int64_t now);
  // Forgets key (after a successful login). No write when there is nothing to forget.
  [[nodiscard]] Status reset(const std::string& key);
  // The same without an open counter: looks key up through a read-only handle first, so that
  // the common case (nothing to forget) opens nothing for writing and writes nothing.
  [[nodiscard]] static Status forget(db::Env& env, const std::string& key);

 private:
  FailureCounter(db::Env* env, std::unique_ptr<db::Database> db, int64_t window)
      : env_(env), db_(std::move(db)), window_(window) {}
  db::Env* env_;
  std::unique_ptr<db::Database> db_;
  int64_t window_;
};

// The delay before answering a failure, in milliseconds, for the n-th failure in a row:
// none for the first, then 250 ms doubling per failure (250, 500, 1000, ...) up to max_ms.
uint32_t failure_delay_ms(uint32_t n, uint32_t max_ms);

}  // namespace posta::accounts
