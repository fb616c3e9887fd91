#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "mailstore/sort_cache.h"

using namespace posta::mailstore;

TEST(MailstoreSortCache, SavedEntriesFoundByUidAndDamageIgnored) {
  char dir[] = "/tmp/sortcache.XXXXXX";
  ASSERT_TRUE(mkdtemp(dir));
  std::string folder = dir;
  EXPECT_EQ(SortCache::load(folder, 7).size(), 0u);  // missing
  std::string long_subject(300, 'x');
  std::vector<SortCacheEntry> entries = {{3, false, 100, "HELLO"}, {5, true, -5, ""}, {9, true, 1 << 30, long_subject}};
  ASSERT_TRUE(SortCache::save(folder, 7, entries));
  auto c = SortCache::load(folder, 7);
  ASSERT_EQ(c.size(), 3u);
  SortCacheEntry e;
  ASSERT_TRUE(c.find(5, e));
  EXPECT_TRUE(e.reply_or_fwd);
  EXPECT_EQ(e.sent, -5);
  EXPECT_EQ(e.subject, "");
  ASSERT_TRUE(c.find(3, e));
  EXPECT_EQ(e.subject, "HELLO");
  EXPECT_FALSE(e.reply_or_fwd);
  ASSERT_TRUE(c.find(9, e));
  EXPECT_EQ(e.subject.size(), 256u);
  EXPECT_FALSE(c.find(4, e));
  EXPECT_FALSE(c.find(10, e));
  EXPECT_EQ(SortCache::load(folder, 8).size(), 0u);  // another UIDVALIDITY
  // One byte changed anywhere: ignored as a whole.
  std::string path = folder + "/posta-sort.cache";
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(20);
  f.put('\x7f');
  f.close();
  EXPECT_EQ(SortCache::load(folder, 7).size(), 0u);
  std::filesystem::resize_file(path, 10);
  EXPECT_EQ(SortCache::load(folder, 7).size(), 0u);
  std::filesystem::remove_all(folder);
}
