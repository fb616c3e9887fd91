// Which snapshots prune keeps: for each of hourly, daily, weekly and monthly, the newest
// snapshot of each of the last N periods (UTC) that have one, as restic and borg count.
// A snapshot kept by any rule is kept. With no rule at all, every snapshot is kept.
#pragma once
#include <cstdint>
#include <vector>

namespace posta::backup {

struct Retention {
  unsigned hourly = 0, daily = 0, weekly = 0, monthly = 0;
  bool any() const { return hourly || daily || weekly || monthly; }
};

// times: the snapshots' times (any order). Returns, for each, whether it is kept.
std::vector<bool> select_kept(const std::vector<int64_t>& times, const Retention& r);

}  // namespace posta::backup
