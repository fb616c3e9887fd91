#include "policy/store.h"

#include <vector>

namespace posta::policy {

Result<std::optional<std::string>> MemoryStore::get(std::string_view key) {
  auto it = map_.find(key);
  if (it == map_.end()) return std::optional<std::string>();
  return std::optional<std::string>(it->second);
}

Status MemoryStore::put(std::string_view key, std::string_view value) {
  map_.insert_or_assign(std::string(key), std::string(value));
  return {};
}

Status MemoryStore::del(std::string_view key) {
  auto it = map_.find(key);
  if (it != map_.end()) map_.erase(it);
  return {};
}

Status MemoryStore::scan(std::string_view prefix, const std::function<bool(std::string_view, std::string_view)>& fn) {
  for (auto it = map_.lower_bound(prefix); it != map_.end() && it->first.starts_with(prefix); ++it)
    if (!fn(it->first, it->second)) break;
  return {};
}

Result<size_t> delete_expired(Store& s, std::string_view prefix,
                              const std::function<bool(std::string_view value)>& expired) {
  std::vector<std::string> gone;
  auto st = s.scan(prefix, [&](std::string_view k, std::string_view v) {
    if (expired(v)) gone.emplace_back(k);
    return true;
  });
  if (!st) return std::unexpected(st.error());
  for (auto& k : gone)
    if (auto d = s.del(k); !d) return std::unexpected(d.error());
  return gone.size();
}

}  // namespace posta::policy
