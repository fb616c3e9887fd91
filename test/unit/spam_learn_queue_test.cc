#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ctime>
#include <fstream>

#include "io/fd.h"
#include "spam/learn_queue.h"
#include "tmpdir.h"

namespace posta::spam {
namespace {

TEST(SpamLearnQueue, MoveTeaches) {
  LearnAs as;
  ASSERT_TRUE(move_teaches("", "\\Junk", as));
  EXPECT_EQ(as, LearnAs::kSpam);
  ASSERT_TRUE(move_teaches("\\Sent", "\\Junk", as));
  EXPECT_EQ(as, LearnAs::kSpam);
  ASSERT_TRUE(move_teaches("\\Junk", "", as));
  EXPECT_EQ(as, LearnAs::kHam);
  ASSERT_TRUE(move_teaches("\\Junk", "\\Archive", as));
  EXPECT_EQ(as, LearnAs::kHam);
  EXPECT_FALSE(move_teaches("\\Junk", "\\Trash", as));  // deleting spam teaches nothing
  EXPECT_FALSE(move_teaches("\\Junk", "\\Junk", as));
  EXPECT_FALSE(move_teaches("", "\\Archive", as));
  EXPECT_FALSE(move_teaches("", "", as));
}

TEST(SpamLearnQueue, RequestsAreCopiesReadBackOldestFirst) {
  test::TempDir home;
  std::string msg = home.path + "/message";
  std::ofstream(msg) << "Subject: x\n\nbody\n";
  mode_t old = ::umask(077);  // posta-imapd's: the request is still readable by the group
  ASSERT_TRUE(request_learning(home.path, "alice@example.org", LearnAs::kSpam, msg));
  ASSERT_TRUE(request_learning(home.path, "bob", LearnAs::kHam, msg));
  ::umask(old);
  struct stat st{};
  ASSERT_EQ(::stat(msg.c_str(), &st), 0);
  EXPECT_EQ(st.st_nlink, 1u);  // copies: the learner may be another user than the writer

  auto r = pending_requests(home.path, 10);
  ASSERT_TRUE(r) << r.error().what;
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].user, "alice@example.org");
  EXPECT_EQ((*r)[0].as, LearnAs::kSpam);
  EXPECT_EQ((*r)[1].user, "bob");
  EXPECT_EQ((*r)[1].as, LearnAs::kHam);
  auto body = read_file((*r)[0].path);
  ASSERT_TRUE(body);
  EXPECT_EQ(*body, "Subject: x\n\nbody\n");
  ASSERT_EQ(::stat((*r)[0].path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_EQ(pending_requests(home.path, 1)->size(), 1u);  // max is honoured
}

TEST(SpamLearnQueue, ARequestKeepsWhatTheLearnerReads) {
  test::TempDir home;
  std::string msg = home.path + "/big";
  std::ofstream(msg) << std::string(request_bytes() + 4096, 'x');
  ASSERT_TRUE(request_learning(home.path, "u", LearnAs::kSpam, msg));
  ::unlink(msg.c_str());  // expunged: the request keeps its bytes
  auto r = pending_requests(home.path, 10);
  ASSERT_TRUE(r && r->size() == 1u);
  struct stat st{};
  ASSERT_EQ(::stat((*r)[0].path.c_str(), &st), 0);
  EXPECT_EQ(static_cast<size_t>(st.st_size), request_bytes());
}

TEST(SpamLearnQueue, ForeignNamesAreSkippedAndAnEmptyQueueIsEmpty) {
  test::TempDir home;
  auto none = pending_requests(home.path, 10);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  std::string msg = home.path + "/m";
  std::ofstream(msg) << "x";
  ASSERT_TRUE(request_learning(home.path, "u", LearnAs::kSpam, msg));
  std::string nd = learn_queue_dir(home.path) + "/new/";
  for (const char* bad : {"junk", "1.2_3.x.75", "1.2_3.s.zz", "1.2_3.s.", ".hidden"})
    std::ofstream(nd + bad) << "x";
  auto r = pending_requests(home.path, 10);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].user, "u");
}

TEST(SpamLearnQueue, UnfinishedRequestsAreRemovedAfter36Hours) {
  test::TempDir home;
  EXPECT_EQ(*remove_stale_requests(home.path, std::time(nullptr)), 0u);  // no queue yet
  std::string msg = home.path + "/m";
  std::ofstream(msg) << "x";
  ASSERT_TRUE(request_learning(home.path, "u", LearnAs::kSpam, msg));  // makes the queue
  std::string tmp = learn_queue_dir(home.path) + "/tmp/";
  std::ofstream(tmp + "old") << "x";
  std::ofstream(tmp + "young") << "x";
  time_t now = std::time(nullptr);
  timespec old_times[2] = {{now - 37 * 3600, 0}, {now - 37 * 3600, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, (tmp + "old").c_str(), old_times, 0), 0);
  EXPECT_EQ(*remove_stale_requests(home.path, now), 1u);
  EXPECT_NE(::access((tmp + "old").c_str(), F_OK), 0);
  EXPECT_EQ(::access((tmp + "young").c_str(), F_OK), 0);
  EXPECT_EQ(pending_requests(home.path, 10)->size(), 1u);  // new/ is not touched
}

TEST(SpamLearnQueue, MissingMessageIsAnError) {
  test::TempDir home;
  EXPECT_FALSE(request_learning(home.path, "u", LearnAs::kSpam, home.path + "/nope"));
  EXPECT_TRUE(pending_requests(home.path, 10)->empty());
}

}  // namespace
}  // namespace posta::spam
