#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "io/fd.h"
#include "mailstore/acl.h"
#include "tmpdir.h"

using namespace posta;
using mailstore::Acl;
using mailstore::Rights;
using mailstore::Share;
using mailstore::SharedIndex;

TEST(MailstoreAcl, RightsParseAndPrint) {
  auto r = Rights::parse("rl");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->str(), "lr");
  EXPECT_TRUE(r->has('l'));
  EXPECT_FALSE(r->has('a'));
  EXPECT_EQ(Rights::all().str(), "lrswipkxtea");
  EXPECT_EQ(Rights::parse("c")->str(), "kx");  // obsolete RFC 2086 letters
  EXPECT_EQ(Rights::parse("d")->str(), "te");
  EXPECT_TRUE(Rights::parse("")->empty());
  EXPECT_FALSE(Rights::parse("lrz"));
  EXPECT_FALSE(Rights::parse("l r"));
  EXPECT_EQ((*Rights::parse("lrsw")).without(*Rights::parse("sw")).str(), "lr");
}

TEST(MailstoreAcl, Identifier) {
  EXPECT_EQ(*mailstore::acl_identifier("Bob@Example.ORG", "example.org"), "bob@example.org");
  EXPECT_EQ(*mailstore::acl_identifier("ANYONE", "example.org"), "anyone");
  EXPECT_FALSE(mailstore::acl_identifier("bob@other.example", "example.org"));
  EXPECT_FALSE(mailstore::acl_identifier("bob@example.org.evil", "example.org"));
  EXPECT_FALSE(mailstore::acl_identifier("-bob@example.org", "example.org"));  // negative rights
  EXPECT_FALSE(mailstore::acl_identifier("bob", "example.org"));
  EXPECT_FALSE(mailstore::acl_identifier("../x@example.org", "example.org"));
  EXPECT_FALSE(mailstore::acl_identifier("a/b@example.org", "example.org"));
  EXPECT_FALSE(mailstore::acl_identifier("@example.org", "example.org"));
  EXPECT_FALSE(mailstore::acl_identifier("anonymous", "example.org"));
  EXPECT_EQ(mailstore::domain_of("Alice@Example.Org"), "example.org");
}

TEST(MailstoreAcl, FileRoundTripAndRights) {
  test::TempDir d("acl-test");
  auto empty = Acl::load(d.path);
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->entries().empty());
  EXPECT_TRUE(empty->rights_of("bob@example.org").empty());
  Acl acl = *empty;
  acl.set("bob@example.org", *Rights::parse("lr"));
  acl.set("anyone", *Rights::parse("l"));
  acl.set("carol@example.org", *Rights::parse("lrswi"));
  acl.set("carol@example.org", Rights());  // removed
  ASSERT_TRUE(acl.save(d.path));
  auto back = Acl::load(d.path);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->entries().size(), 2u);
  EXPECT_EQ(back->rights_of("BOB@example.org").str(), "lr");
  EXPECT_EQ(back->rights_of("dave@example.org").str(), "l");  // anyone's
  EXPECT_EQ(*read_file(d.path + "/posta-acl"), "anyone l\nbob@example.org lr\n");
  // Empty: the file goes away.
  back->set("bob@example.org", Rights());
  back->set("anyone", Rights());
  ASSERT_TRUE(back->save(d.path));
  struct stat st{};
  EXPECT_NE(::stat((d.path + "/posta-acl").c_str(), &st), 0);
}

TEST(MailstoreAcl, HandEditedLinesNeverGrantMore) {
  test::TempDir d("acl-test");
  std::ofstream(d.path + "/posta-acl") << "bob@example.org lrz\n../x lr\nanyone\n\ncarol@example.org lw\n";
  auto acl = Acl::load(d.path);
  ASSERT_TRUE(acl);
  EXPECT_TRUE(acl->rights_of("bob@example.org").empty());
  EXPECT_EQ(acl->rights_of("carol@example.org").str(), "lw");
  EXPECT_EQ(acl->entries().size(), 1u);
}

TEST(MailstoreAcl, SetShareKeepsAclAndIndexTogether) {
  test::TempDir home("acl-home");
  std::string folder_dir = home.path + "/mail/example.org/alice/.Projects";
  ASSERT_EQ(::mkdir((home.path + "/mail").c_str(), 0700), 0);
  ASSERT_EQ(::mkdir((home.path + "/mail/example.org").c_str(), 0700), 0);
  ASSERT_EQ(::mkdir((home.path + "/mail/example.org/alice").c_str(), 0700), 0);
  ASSERT_EQ(::mkdir(folder_dir.c_str(), 0700), 0);
  auto lr = *Rights::parse("lr");
  ASSERT_TRUE(mailstore::set_share(home.path, "alice@example.org", "Projects", folder_dir, "bob@example.org", lr));
  ASSERT_TRUE(mailstore::set_share(home.path, "alice@example.org", "Projects", folder_dir, "anyone", *Rights::parse("l")));
  EXPECT_FALSE(mailstore::set_share(home.path, "alice@example.org", "Projects", folder_dir, "alice@example.org", lr));
  SharedIndex ix(home.path, "example.org");
  EXPECT_EQ(ix.shared_with("bob@example.org"), (std::vector<Share>{{"alice@example.org", "Projects"}}));
  EXPECT_EQ(ix.shared_with("carol@example.org"), (std::vector<Share>{{"alice@example.org", "Projects"}}));
  EXPECT_EQ(ix.shares_of("alice@example.org").size(), 2u);
  EXPECT_TRUE(ix.shared_with("bob@other.example").size() == 1);  // the caller keeps to its own domain's index
  SharedIndex other(home.path, "other.example");
  EXPECT_TRUE(other.shared_with("bob@other.example").empty());
  // Rename follows, children too; delete removes.
  ASSERT_TRUE(mailstore::share_folder_renamed(home.path, "alice@example.org", "Projects", "Old.Projects"));
  EXPECT_EQ(ix.shared_with("bob@example.org"), (std::vector<Share>{{"alice@example.org", "Old.Projects"}}));
  ASSERT_TRUE(mailstore::share_folder_renamed(home.path, "alice@example.org", "Old", ""));
  EXPECT_TRUE(ix.shared_with("bob@example.org").empty());
  // Taking rights back empties the index and the ACL.
  ASSERT_TRUE(mailstore::set_share(home.path, "alice@example.org", "Projects", folder_dir, "bob@example.org", lr));
  ASSERT_TRUE(mailstore::set_share(home.path, "alice@example.org", "Projects", folder_dir, "bob@example.org", Rights()));
  ASSERT_TRUE(mailstore::set_share(home.path, "alice@example.org", "Projects", folder_dir, "anyone", Rights()));
  EXPECT_TRUE(ix.shared_with("bob@example.org").empty());
  EXPECT_TRUE(Acl::load(folder_dir)->entries().empty());
}
