// The key-value store under the greylist and the rate counters: posta-policyd's Berkeley DB
// database inside one transaction per request (policy_db.h), or a map in memory for tests.
#pragma once
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "base/error.h"

namespace posta::policy {

class Store {
 public:
  virtual ~Store() = default;
  [[nodiscard]] virtual Result<std::optional<std::string>> get(std::string_view key) = 0;
  [[nodiscard]] virtual Status put(std::string_view key, std::string_view value) = 0;
  [[nodiscard]] virtual Status del(std::string_view key) = 0;
  // Keys starting with prefix, in order; fn returns false to stop.
  [[nodiscard]] virtual Status scan(std::string_view prefix,
                                    const std::function<bool(std::string_view, std::string_view)>& fn) = 0;
};

class MemoryStore : public Store {
 public:
  Result<std::optional<std::string>> get(std::string_view key) override;
  Status put(std::string_view key, std::string_view value) override;
  Status del(std::string_view key) override;
  Status scan(std::string_view prefix, const std::function<bool(std::string_view, std::string_view)>& fn) override;
  size_t size() const { return map_.size(); }

 private:
  std::map<std::string, std::string, std::less<>> map_;
};

// Keys of every record whose value `expired` says is out of date, under prefix, deleted.
// Returns how many went.
[[nodiscard]] Result<size_t> delete_expired(Store& s, std::string_view prefix,
                                            const std::function<bool(std::string_view value)>& expired);

}  // namespace posta::policy
