// Unit tests of lib/spam learn_requests: requests learned once each way and removed,
// dropped when learning is off.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "spam/learn_queue.h"
#include "spam/learn_requests.h"
#include "tmpdir.h"

namespace posta::spam {
namespace {

struct Home : test::TempDir {
  Home() : TempDir("posta-spam-unit") {}
  std::string message(const std::string& name, const std::string& text) {
    std::string p = path + "/" + name;
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }
};

TEST(SpamLearnRequests, EachLearnedOnceThenRemoved) {
  Home h;
  auto dir = store_dir(h.path);
  ASSERT_TRUE(dir);
  auto store = TokenStore::open(*dir, true);
  ASSERT_TRUE(store) << store.error().what;
  std::string m = h.message("m", "Message-ID: <1@x>\n\nwinner prize\n");
  // the same message moved into Junk twice, then out of it
  ASSERT_TRUE(request_learning(h.path, "alice", LearnAs::kSpam, m));
  ASSERT_TRUE(request_learning(h.path, "alice", LearnAs::kSpam, m));
  auto c = apply_requests(**store, h.path);
  ASSERT_TRUE(c) << c.error().what;
  EXPECT_EQ(c->learned.learned, 1u);
  EXPECT_EQ(c->learned.already, 1u);
  EXPECT_TRUE(c->changed());
  EXPECT_TRUE(pending_requests(h.path, 10)->empty());
  ASSERT_TRUE(request_learning(h.path, "alice", LearnAs::kHam, m));
  c = apply_requests(**store, h.path);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->learned.moved, 1u);
  EXPECT_EQ(*(*store)->totals(), (Totals{0, 1}));
  // nothing pending: nothing changed
  c = apply_requests(**store, h.path);
  ASSERT_TRUE(c);
  EXPECT_FALSE(c->changed());
}

TEST(SpamLearnRequests, DroppedWhenLearningIsOff) {
  Home h;
  auto store = TokenStore::open(*store_dir(h.path), true);
  ASSERT_TRUE(store);
  std::string m = h.message("m", "Message-ID: <2@x>\n\ncheap pills\n");
  ASSERT_TRUE(request_learning(h.path, "bob", LearnAs::kSpam, m));
  RequestOptions off;
  off.enabled = false;
  auto c = apply_requests(**store, h.path, off);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->dropped, 1u);
  EXPECT_FALSE(c->changed());
  EXPECT_EQ(*(*store)->totals(), (Totals{0, 0}));
  EXPECT_TRUE(pending_requests(h.path, 10)->empty());
}

TEST(SpamLearnRequests, OnlyRegularFilesAreRead) {
  // whoever may drop requests could drop a link to a file of the learner's, or a FIFO
  Home h;
  auto store = TokenStore::open(*store_dir(h.path), true);
  ASSERT_TRUE(store);
  std::string secret = h.message("secret", "Message-ID: <3@x>\n\nprivate words\n");
  ASSERT_TRUE(request_learning(h.path, "bob", LearnAs::kSpam, secret));  // makes the directories
  std::string nd = learn_queue_dir(h.path) + "/new/";
  ASSERT_EQ(::symlink(secret.c_str(), (nd + "2.1_0.s.626f62").c_str()), 0);
  ASSERT_EQ(::mkfifo((nd + "2.1_1.s.626f62").c_str(), 0600), 0);
  auto c = apply_requests(**store, h.path);
  ASSERT_TRUE(c) << c.error().what;
  EXPECT_EQ(c->learned.learned, 1u);  // the real request
  EXPECT_EQ(c->failed, 2u);
  EXPECT_TRUE(pending_requests(h.path, 10)->empty());  // removed, not retried
  EXPECT_EQ(::access(secret.c_str(), F_OK), 0);
}

}  // namespace
}  // namespace posta::spam
