// lib/sieve/script_store: names, the on-disk layout posta-local reads, quotas, atomicity.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "control/control.h"
#include "io/fd.h"
#include "sieve/script_store.h"
#include "sieve/sieve.h"
#include "tmpdir.h"

using namespace posta;
using namespace posta::sieve;
namespace fs = std::filesystem;

namespace {

struct SieveStore : ::testing::Test {
  posta::test::TempDir tmp{"posta-sieve-store-unit"};
  std::string maildir() const { return tmp.path + "/Maildir"; }
  ScriptStore store{tmp.path + "/Maildir", StoreLimits{100, 3}};
  void SetUp() override { ASSERT_TRUE(fs::create_directory(maildir())); }
  std::string link_target() const {
    std::error_code ec;
    auto t = fs::read_symlink(store.active_link(), ec);
    return ec ? "" : t.string();
  }
};

}  // namespace

TEST(SieveScriptName, AcceptsOrdinaryAndUtf8Names) {
  EXPECT_TRUE(valid_script_name("vacation"));
  EXPECT_TRUE(valid_script_name("my rules.v2"));
  EXPECT_TRUE(valid_script_name("r\xC3\xA8gles"));          // règles
  EXPECT_TRUE(valid_script_name("\xF0\x9F\x93\xAC"));        // U+1F4EC, 4 bytes
  EXPECT_TRUE(valid_script_name(std::string(128, 'a')));
  std::string e_grave;
  for (int i = 0; i < 128; ++i) e_grave += "\xC3\xA8";       // 128 characters, 256 bytes
  EXPECT_TRUE(valid_script_name(e_grave));
}

TEST(SieveScriptName, RefusesWhatRfc5804AndThePathsForbid) {
  EXPECT_FALSE(valid_script_name(""));
  EXPECT_FALSE(valid_script_name(std::string(129, 'a')));
  EXPECT_FALSE(valid_script_name(".hidden"));
  EXPECT_FALSE(valid_script_name("."));
  EXPECT_FALSE(valid_script_name(".."));
  EXPECT_FALSE(valid_script_name("a/b"));
  EXPECT_FALSE(valid_script_name("../x"));
  EXPECT_FALSE(valid_script_name("tab\there"));
  EXPECT_FALSE(valid_script_name("nl\n"));
  EXPECT_FALSE(valid_script_name(std::string("nul\0x", 5)));
  EXPECT_FALSE(valid_script_name("del\x7F"));
  EXPECT_FALSE(valid_script_name("c1\xC2\x85"));             // U+0085
  EXPECT_FALSE(valid_script_name("ls\xE2\x80\xA8"));         // U+2028
  EXPECT_FALSE(valid_script_name("\xC3"));                   // truncated
  EXPECT_FALSE(valid_script_name("\xC0\xAF"));               // overlong '/'
  EXPECT_FALSE(valid_script_name("\xED\xA0\x80"));           // surrogate
  EXPECT_FALSE(valid_script_name("\xF4\x90\x80\x80"));       // past U+10FFFF
  EXPECT_FALSE(valid_script_name("\xFF"));
}

TEST_F(SieveStore, EmptyWithoutTheDirectory) {
  auto l = store.list();
  ASSERT_TRUE(l) << l.error().what;
  EXPECT_TRUE(l->empty());
  auto a = store.active();
  ASSERT_TRUE(a);
  EXPECT_FALSE(*a);
}

TEST_F(SieveStore, PutGetListInTheAgreedLayout) {
  ASSERT_TRUE(store.put("b", "keep;\n"));
  ASSERT_TRUE(store.put("a", "discard;\n"));
  EXPECT_EQ(*read_file(maildir() + "/sieve/a.sieve"), "discard;\n");
  struct stat st;
  ASSERT_EQ(::stat((maildir() + "/sieve").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(::stat((maildir() + "/sieve/a.sieve").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(*store.get("a"), "discard;\n");
  auto l = store.list();
  ASSERT_TRUE(l);
  EXPECT_EQ(*l, (std::vector<ScriptInfo>{{"a", false}, {"b", false}}));
  ASSERT_TRUE(store.put("a", "keep;\n"));  // replace
  EXPECT_EQ(*store.get("a"), "keep;\n");
  for (auto& e : fs::directory_iterator(store.dir())) {
    EXPECT_FALSE(e.path().filename().string().starts_with(".tmp")) << e.path();
  }
}

TEST_F(SieveStore, ListIgnoresOtherFiles) {
  ASSERT_TRUE(store.put("a", "keep;"));
  std::ofstream(store.dir() + "/notes.txt") << "x";
  std::ofstream(store.dir() + "/.tmp.1.2") << "x";
  std::ofstream(store.dir() + "/.hidden.sieve") << "x";
  fs::create_directory(store.dir() + "/dir.sieve");
  auto l = store.list();
  ASSERT_TRUE(l);
  EXPECT_EQ(*l, (std::vector<ScriptInfo>{{"a", false}}));
}

TEST_F(SieveStore, ActivateIsTheSymlinkPostaLocalReads) {
  ASSERT_TRUE(store.put("one", "keep;"));
  ASSERT_TRUE(store.put("two", "keep;"));
  ASSERT_TRUE(store.activate("one"));
  EXPECT_EQ(link_target(), "one.sieve");
  ASSERT_TRUE(store.activate("two"));
  EXPECT_EQ(link_target(), "two.sieve");
  EXPECT_EQ(*store.active(), "two");
  auto l = store.list();
  EXPECT_EQ(*l, (std::vector<ScriptInfo>{{"one", false}, {"two", true}}));
  ASSERT_TRUE(store.deactivate());
  EXPECT_EQ(link_target(), "");
  EXPECT_FALSE(*store.active());
  EXPECT_TRUE(store.deactivate());  // none active: no error
}

TEST_F(SieveStore, ActivateMissingOrBadNameFails) {
  auto a = store.activate("nope");
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().code, kScriptNotFound);
  auto b = store.activate("../x");
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code, kScriptBadName);
  EXPECT_EQ(link_target(), "");
}

TEST_F(SieveStore, DanglingOrForeignLinkIsNoActiveScript) {
  ASSERT_TRUE(store.put("a", "keep;"));
  ASSERT_EQ(::symlink("gone.sieve", store.active_link().c_str()), 0);
  EXPECT_FALSE(*store.active());
  ::unlink(store.active_link().c_str());
  ASSERT_EQ(::symlink("/etc/passwd", store.active_link().c_str()), 0);
  EXPECT_FALSE(*store.active());
}

TEST_F(SieveStore, TheActiveScriptCannotBeDeleted) {
  ASSERT_TRUE(store.put("a", "keep;"));
  ASSERT_TRUE(store.activate("a"));
  auto r = store.remove("a");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, kScriptActive);
  EXPECT_TRUE(fs::exists(store.path_of("a")));
  ASSERT_TRUE(store.deactivate());
  ASSERT_TRUE(store.remove("a"));
  EXPECT_FALSE(fs::exists(store.path_of("a")));
  auto again = store.remove("a");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, kScriptNotFound);
}

TEST_F(SieveStore, GetMissing) {
  auto g = store.get("nope");
  ASSERT_FALSE(g);
  EXPECT_EQ(g.error().code, kScriptNotFound);
}

TEST_F(SieveStore, RenameKeepsActiveAndRefusesToClobber) {
  ASSERT_TRUE(store.put("a", "A"));
  ASSERT_TRUE(store.put("b", "B"));
  ASSERT_TRUE(store.activate("a"));
  auto clash = store.rename("a", "b");
  ASSERT_FALSE(clash);
  EXPECT_EQ(clash.error().code, kScriptExists);
  EXPECT_EQ(*store.get("b"), "B");
  ASSERT_TRUE(store.rename("a", "c"));
  EXPECT_EQ(*store.get("c"), "A");
  EXPECT_FALSE(fs::exists(store.path_of("a")));
  EXPECT_EQ(link_target(), "c.sieve");
  ASSERT_TRUE(store.rename("b", "d"));
  EXPECT_EQ(link_target(), "c.sieve");
  auto missing = store.rename("zz", "y");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, kScriptNotFound);
  auto bad = store.rename("c", ".x");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, kScriptBadName);
}

TEST_F(SieveStore, QuotaOnSizeAndCount) {
  auto big = store.put("big", std::string(101, 'x'));
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code, kScriptTooBig);
  EXPECT_FALSE(fs::exists(store.path_of("big")));
  ASSERT_TRUE(store.put("exact", std::string(100, 'x')));
  ASSERT_TRUE(store.put("two", "x"));
  ASSERT_TRUE(store.put("three", "x"));
  auto many = store.put("four", "x");
  ASSERT_FALSE(many);
  EXPECT_EQ(many.error().code, kScriptTooMany);
  EXPECT_TRUE(store.put("two", "replacing does not add one"));
  EXPECT_TRUE(store.check_space("two", 100));
  EXPECT_EQ(store.check_space("four", 1).error().code, kScriptTooMany);
  EXPECT_EQ(store.check_space("two", 101).error().code, kScriptTooBig);
  EXPECT_EQ(store.check_space("", 1).error().code, kScriptBadName);
}

TEST_F(SieveStore, ZeroLimitsMeanUnlimited) {
  ScriptStore open(maildir(), StoreLimits{0, 0});
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(open.put("s" + std::to_string(i), std::string(1000, 'x')));
}

TEST_F(SieveStore, PutBadNameWritesNothing) {
  auto r = store.put("a/b", "x");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, kScriptBadName);
  EXPECT_FALSE(fs::exists(store.dir()));
}

TEST(SieveStoreLimits, FromControlFiles) {
  posta::test::TempDir home("posta-sieve-limits-unit");
  fs::create_directory(home.path + "/control");
  Control control(home.path);
  auto def = StoreLimits::from_control(control);
  EXPECT_EQ(def.max_size, 65536u);
  EXPECT_EQ(def.max_scripts, 20u);
  std::ofstream(home.path + "/control/sievemaxsize") << "1000\n";
  std::ofstream(home.path + "/control/sievemaxscripts") << "# comment\n5\n";
  auto set = StoreLimits::from_control(control);
  EXPECT_EQ(set.max_size, 1000u);
  EXPECT_EQ(set.max_scripts, 5u);
  std::ofstream(home.path + "/control/sievemaxsize") << "-4\n";
  EXPECT_EQ(StoreLimits::from_control(control).max_size, 65536u);
}

TEST(SieveRunLimits, RedirectsFromControlFile) {
  posta::test::TempDir home("posta-sieve-run-limits-unit");
  fs::create_directory(home.path + "/control");
  Control control(home.path);
  EXPECT_EQ(Limits::from_control(control).max_redirects, 4u);
  std::ofstream(home.path + "/control/sievemaxredirects") << "0\n";
  EXPECT_EQ(Limits::from_control(control).max_redirects, 0u);
  std::ofstream(home.path + "/control/sievemaxredirects") << "1000000\n";
  EXPECT_EQ(Limits::from_control(control).max_redirects, Limits().max_actions);
  std::ofstream(home.path + "/control/sievemaxredirects") << "-1\n";
  EXPECT_EQ(Limits::from_control(control).max_redirects, 4u);
}
