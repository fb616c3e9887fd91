#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "audit/audit_log.h"
#include "tmpdir.h"

using namespace posta;

namespace {
audit::Record sample(int64_t t, std::string user, std::string action) {
  return audit::Record{t, "uid=0(root) sudo=al", "posta-mail", std::move(action), std::move(user), "INBOX",
                       "1:3,7", "<a@b>", "query: from:\"x\ty\"\nz\\"};
}
}  // namespace

TEST(Audit, RecordRoundTripAndStrictDecode) {
  auto r = sample(1700000000, "bob@example.org", "expunge");
  auto line = audit::encode(r);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  auto back = audit::decode(line);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, r);
  EXPECT_FALSE(audit::decode("x\ta\tb\tc\td\te\tf\tg\th"));
  EXPECT_FALSE(audit::decode("1\ta\tb"));
  EXPECT_FALSE(audit::decode(line + "\textra"));
  EXPECT_FALSE(audit::decode("1\ta\tb\tc\td\te\tf\tg\tbad\\q"));
}

TEST(Audit, AppendCreatesOwnerOnlyFilesAndReadFilters) {
  test::TempDir home("audit-test");
  ASSERT_EQ(::mkdir((home.path + "/mail").c_str(), 0700), 0);
  ASSERT_TRUE(audit::append(home.path, {sample(100, "a@x", "expunge"), sample(200, "b@x", "move")}));
  ASSERT_TRUE(audit::append(home.path, {sample(300, "A@X", "FETCH")}));
  struct stat st{};
  ASSERT_EQ(::stat(audit::log_path(home.path).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(audit::log_dir(home.path).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  auto all = audit::read(home.path, {});
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 3u);
  auto a = audit::read(home.path, audit::Filter{"a@x", "", 0, 0});
  ASSERT_TRUE(a);
  ASSERT_EQ(a->size(), 2u);
  EXPECT_EQ((*a)[1].action, "FETCH");
  auto window = audit::read(home.path, audit::Filter{"", "", 150, 300});
  ASSERT_TRUE(window);
  ASSERT_EQ(window->size(), 1u);
  EXPECT_EQ((*window)[0].action, "move");
  EXPECT_EQ(audit::read(home.path, audit::Filter{"", "EXPUNGE", 0, 0})->size(), 1u);
  // a rotated file is read first; a damaged line shows as unreadable, not skipped
  std::ofstream(audit::log_dir(home.path) + "/audit.log.1") << audit::encode(sample(50, "c@x", "import")) << "\ngarbage\n";
  auto rotated = audit::read(home.path, audit::Filter{"c@x", "", 0, 0});
  ASSERT_TRUE(rotated);
  ASSERT_EQ(rotated->size(), 2u);
  EXPECT_EQ((*rotated)[0].action, "import");
  EXPECT_EQ((*rotated)[1].action, "unreadable");
  EXPECT_EQ((*rotated)[1].detail, "garbage");
}

TEST(Audit, NoHomeNoRecords) {
  test::TempDir home("audit-test");
  auto r = audit::read(home.path, {});
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->empty());
  EXPECT_FALSE(audit::append(home.path + "/missing", {sample(1, "a", "b")}));
}

TEST(Audit, UidSetAndInvoker) {
  EXPECT_EQ(audit::uid_set({7, 1, 3, 2, 2}), "1:3,7");
  EXPECT_EQ(audit::uid_set({}), "");
  EXPECT_EQ(audit::uid_set({5}), "5");
  EXPECT_EQ(audit::invoker().rfind("uid=", 0), 0u);
}
