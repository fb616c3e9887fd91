#include "backup/retention.h"

#include <algorithm>
#include <ctime>
#include <numeric>

namespace posta::backup {

namespace {

int64_t period(int64_t t, int kind) {
  time_t tt = t;
  struct tm tm;
  gmtime_r(&tt, &tm);
  switch (kind) {
    case 0: return t / 3600;
    case 1: return t / 86400;
    case 2: return (t / 86400 + 3) / 7;  // weeks starting on Monday (1970-01-01 was a Thursday)
    default: return int64_t(tm.tm_year) * 12 + tm.tm_mon;
  }
}

}  // namespace

std::vector<bool> select_kept(const std::vector<int64_t>& times, const Retention& r) {
  std::vector<bool> kept(times.size(), !r.any());
  std::vector<size_t> order(times.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return times[a] > times[b]; });
  const unsigned counts[] = {r.hourly, r.daily, r.weekly, r.monthly};
  for (int kind = 0; kind < 4; ++kind) {
    unsigned left = counts[kind];
    bool have_last = false;
    int64_t last = 0;
    for (size_t i : order) {
      if (!left) break;
      int64_t p = period(times[i], kind);
      if (have_last && p == last) continue;
      kept[i] = true;  // the newest of its period
      have_last = true;
      last = p;
      --left;
    }
  }
  return kept;
}

}  // namespace posta::backup
