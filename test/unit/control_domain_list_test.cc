#include <gtest/gtest.h>

#include <sys/stat.h>

#include <fstream>

#include "control/domain_list.h"
#include "tmpdir.h"

using posta::DomainList;

TEST(ControlDomainList, ExactEntriesIgnoreCase) {
  DomainList l({"Example.ORG", "mail.example.net"});
  EXPECT_TRUE(l.contains("example.org"));
  EXPECT_TRUE(l.contains("EXAMPLE.org"));
  EXPECT_TRUE(l.contains("mail.example.net"));
  EXPECT_FALSE(l.contains("a.example.org"));  // no dot entry: subdomains are not included
  EXPECT_FALSE(l.contains("example.net"));
  EXPECT_FALSE(l.contains(""));
}

TEST(ControlDomainList, DotEntryMatchesSubdomainsOnly) {
  DomainList l({".Example.org"});
  EXPECT_TRUE(l.contains("a.example.org"));
  EXPECT_TRUE(l.contains("a.b.EXAMPLE.org"));
  EXPECT_FALSE(l.contains("example.org"));
  EXPECT_FALSE(l.contains("badexample.org"));
  EXPECT_FALSE(DomainList({"."}).contains("example.org"));
  EXPECT_FALSE(DomainList().contains("example.org"));
}

TEST(ControlDomainList, LoadsControlFile) {
  posta::test::TempDir home;
  ASSERT_EQ(::mkdir((home.path + "/control").c_str(), 0700), 0);
  std::ofstream(home.path + "/control/locals") << "# ours\nexample.org\n\n  .Sub.Example.NET  \n";
  auto l = DomainList::load(posta::Control(home.path), "locals");
  EXPECT_TRUE(l.contains("example.org"));
  EXPECT_TRUE(l.contains("x.sub.example.net"));
  EXPECT_FALSE(l.contains("sub.example.net"));
  EXPECT_FALSE(l.contains("# ours"));
  EXPECT_FALSE(DomainList::load(posta::Control(home.path), "rcpthosts").contains("example.org"));
}
