// Fixed-window rate counting (posta-policyd(8) "RATE LIMITS"): the windows of a key are the
// multiples of `window` seconds since the epoch; an event is counted when its window holds
// fewer than `limit`, refused (and not counted) otherwise. Records "r:" key -> "start count".
#pragma once
#include <cstdint>
#include <string>

#include "base/error.h"
#include "policy/store.h"

namespace posta::policy {

// true: within the limit (counted); false: over it.
[[nodiscard]] Result<bool> rate_count(Store& s, const std::string& key, uint32_t limit, uint32_t window, int64_t now);

// Removes the counters whose window ended before now - max_window; returns how many.
[[nodiscard]] Result<size_t> rate_expire(Store& s, int64_t max_window, int64_t now);

}  // namespace posta::policy
