#include <gtest/gtest.h>

#include <numeric>
#include <set>

#include "backup/chunker.h"
#include "backup/retention.h"
#include "backup_test_data.h"

using namespace posta::backup;

namespace {

using posta::test::pseudo_random;

// the chunks as strings
std::set<std::string> chunks(std::string_view data, const ChunkSizes& s) {
  std::set<std::string> out;
  size_t off = 0;
  for (size_t len : chunk_lengths(data, s)) {
    out.insert(std::string(data.substr(off, len)));
    off += len;
  }
  return out;
}

const ChunkSizes kSmall{2048, 8192, 32768};

}  // namespace

TEST(BackupChunker, LengthsCoverTheDataWithinBounds) {
  std::string d = pseudo_random(1 << 20, 1);
  auto lens = chunk_lengths(d, kSmall);
  EXPECT_EQ(std::accumulate(lens.begin(), lens.end(), size_t(0)), d.size());
  for (size_t i = 0; i + 1 < lens.size(); ++i) {
    EXPECT_GE(lens[i], kSmall.min);
    EXPECT_LE(lens[i], kSmall.max);
  }
  // about avg on average
  EXPECT_GT(lens.size(), d.size() / kSmall.max);
  EXPECT_LT(lens.size(), d.size() / kSmall.min);
  EXPECT_TRUE(chunk_lengths("", kSmall).empty());
}

TEST(BackupChunker, BoundariesStableUnderInsertion) {
  std::string d = pseudo_random(1 << 20, 2);
  std::string e = d;
  e.insert(500000, "a few inserted bytes");
  auto a = chunks(d, kSmall), b = chunks(e, kSmall);
  size_t shared = 0;
  for (auto& c : a) shared += b.count(c);
  // only the chunks around the insertion differ
  EXPECT_GE(shared + 3, a.size());
}

TEST(BackupChunker, Deterministic) {
  std::string d = pseudo_random(300000, 3);
  EXPECT_EQ(chunk_lengths(d, kSmall), chunk_lengths(d, kSmall));
}

TEST(BackupRetention, KeepsNewestPerPeriod) {
  // hourly snapshots over three days, starting 2026-01-05 (a Monday) 00:30 UTC
  std::vector<int64_t> times;
  int64_t start = 1767573000;
  for (int h = 0; h < 72; ++h) times.push_back(start + h * 3600);
  auto kept = select_kept(times, Retention{.hourly = 5, .daily = 2});
  // the last five hours, and the newest of day 2 (day 3's newest is among the five)
  for (int h = 0; h < 72; ++h) EXPECT_EQ(kept[h], h >= 67 || h == 47) << h;
  EXPECT_EQ(std::count(kept.begin(), kept.end(), true), 6);
}

TEST(BackupRetention, NoRuleKeepsAll) {
  auto kept = select_kept({1, 2, 3}, Retention{});
  EXPECT_EQ(std::count(kept.begin(), kept.end(), true), 3);
}

TEST(BackupRetention, Monthly) {
  // 2026-01-15, 2026-01-20, 2026-02-10, 2026-03-01
  std::vector<int64_t> t = {1768435200, 1768867200, 1770681600, 1772323200};
  auto kept = select_kept(t, Retention{.monthly = 2});
  EXPECT_EQ(kept, (std::vector<bool>{false, false, true, true}));
}
