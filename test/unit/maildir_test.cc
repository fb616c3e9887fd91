// lib/maildir (delivery, unique names, Maildir++ quota, reader) and lib/mailhdr.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <set>

#include "io/fd.h"
#include "maildir/maildir.h"
#include "maildir/quota.h"
#include "maildir/reader.h"
#include "mailhdr/mailhdr.h"
#include "tmpdir.h"

using namespace posta;
using namespace posta::maildir;
namespace fs = std::filesystem;

namespace {

struct TmpDir : posta::test::TempDir {
  TmpDir() : TempDir("posta-maildir-unit") {}
};

size_t count_files(const std::string& dir) {
  size_t n = 0;
  for (auto& e : fs::directory_iterator(dir)) n += e.is_regular_file();
  return n;
}

std::string slurp(const std::string& p) {
  auto s = posta::read_file(p);
  return s ? *s : "";
}

}  // namespace

TEST(LocalMaildirName, UniqueNamesDifferAndAreSafe) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string n = unique_name();
    EXPECT_EQ(n.find('/'), std::string::npos);
    EXPECT_EQ(n.find(':'), std::string::npos);
    EXPECT_TRUE(seen.insert(n).second) << n;
  }
  std::string n = unique_name();
  // <sec>.M<usec>P<pid>Q<n>.<host>
  EXPECT_NE(n.find(".M"), std::string::npos);
  EXPECT_NE(n.find("P" + std::to_string(::getpid()) + "Q"), std::string::npos);
}

TEST(LocalMaildirName, SafeHostname) {
  EXPECT_EQ(safe_hostname("a/b:c"), "a\\057b\\072c");
  EXPECT_EQ(safe_hostname(""), "localhost");
  EXPECT_EQ(safe_hostname("x\ny"), "x_y");
}

TEST(LocalMaildirFolder, Names) {
  for (const char* good : {"Junk", "Lists.posta"}) EXPECT_TRUE(valid_folder_name(good)) << good;
  for (const char* bad : {"", ".Junk", "Junk.", "a..b", "../etc", "a/b", "a\nb"})
    EXPECT_FALSE(valid_folder_name(bad)) << bad;
  EXPECT_FALSE(valid_folder_name(std::string(256, 'a')));
  EXPECT_EQ(folder_dir("/m", ""), "/m");
  EXPECT_EQ(folder_dir("/m", "inBox"), "/m");
  EXPECT_EQ(folder_dir("/m", "Junk"), "/m/.Junk");
}

TEST(LocalMaildirFolder, CreateFolder) {
  TmpDir t;
  std::string md = t.path + "/a/b/Maildir";
  ASSERT_TRUE(create_folder(md, "Lists.posta"));
  EXPECT_TRUE(fs::is_directory(md + "/cur"));
  EXPECT_TRUE(fs::is_directory(md + "/.Lists.posta/new"));
  EXPECT_TRUE(fs::exists(md + "/.Lists.posta/maildirfolder"));
  EXPECT_FALSE(create_folder(md, "../x"));
  EXPECT_TRUE(create_folder(md, "Lists.posta"));  // idempotent
}

TEST(LocalMaildirDeliver, WritesPrefixAndMessage) {
  TmpDir t;
  ASSERT_TRUE(ensure_maildir(t.path));
  std::string src = t.path + "/msg";
  ASSERT_TRUE(write_file_atomic(src, "Subject: x\n\nbody\n"));
  auto fd = open_fd(src, O_RDONLY);
  ASSERT_TRUE(fd);
  ASSERT_EQ(::lseek(fd->get(), 5, SEEK_SET), 5);  // pread: the offset does not matter
  auto d = deliver(t.path, "Return-Path: <a@b>\n", fd->get());
  ASSERT_TRUE(d) << d.error().what;
  EXPECT_EQ(::lseek(fd->get(), 0, SEEK_CUR), 5);
  std::string want = "Return-Path: <a@b>\nSubject: x\n\nbody\n";
  EXPECT_EQ(slurp(d->path), want);
  EXPECT_EQ(d->size, want.size());
  EXPECT_NE(d->name.find(",S=" + std::to_string(want.size()) + ",W=" + std::to_string(want.size() + 4)),
            std::string::npos);
  EXPECT_EQ(d->vsize, want.size() + 4);
  EXPECT_EQ(count_files(t.path + "/tmp"), 0u);
  EXPECT_EQ(count_files(t.path + "/new"), 1u);
  auto parts = parse_name(d->name);
  EXPECT_EQ(parts.size, want.size());
  EXPECT_EQ(parts.vsize, want.size() + 4);
}

TEST(LocalMaildirDeliver, VirtualSizeCountsOnlyBareLf) {
  TmpDir t;
  ASSERT_TRUE(ensure_maildir(t.path));
  auto d = deliver_data(t.path, "A: 1\r\nB: 2\n\r\nx\ny");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->size, 16u);
  EXPECT_EQ(d->vsize, 18u);
}

TEST(LocalMaildirDeliver, MissingDirFailsCleanly) {
  TmpDir t;
  auto d = deliver_data(t.path + "/nope", "x");
  EXPECT_FALSE(d);
}

TEST(LocalMaildirReader, ParseName) {
  auto p = parse_name("1700000000.M1P2Q3.host,S=120,W=124:2,SRF");
  EXPECT_EQ(p.base, "1700000000.M1P2Q3.host,S=120,W=124");
  EXPECT_TRUE(p.has_info);
  EXPECT_EQ(p.flags, "FRS");
  EXPECT_EQ(p.size, 120u);
  EXPECT_EQ(p.vsize, 124u);
  auto q = parse_name("123.abc");
  EXPECT_FALSE(q.has_info);
  EXPECT_FALSE(q.size);
  auto r = parse_name("123.abc,S=12x:2,");
  EXPECT_FALSE(r.size);
  EXPECT_TRUE(r.has_info);
  EXPECT_EQ(r.flags, "");
  EXPECT_EQ(name_with_flags("b", "TSS1a"), "b:2,STa");
}

TEST(LocalMaildirReader, ListAndFlags) {
  TmpDir t;
  ASSERT_TRUE(ensure_maildir(t.path));
  auto a = deliver_data(t.path, "one\n");
  auto b = deliver_data(t.path, "two two\n");
  ASSERT_TRUE(a && b);
  auto l = list_messages(t.path);
  ASSERT_TRUE(l);
  ASSERT_EQ(l->size(), 2u);
  EXPECT_TRUE((*l)[0].in_new);
  auto moved = set_flags(t.path, (*l)[0], "SR");
  ASSERT_TRUE(moved);
  EXPECT_NE(moved->find("/cur/"), std::string::npos);
  EXPECT_NE(moved->find(":2,RS"), std::string::npos);
  l = list_messages(t.path);
  ASSERT_TRUE(l);
  ASSERT_EQ(l->size(), 2u);
  size_t seen = 0;
  for (auto& m : *l) {
    if (!m.in_new) {
      EXPECT_EQ(m.parts.flags, "RS");
      ++seen;
    }
  }
  EXPECT_EQ(seen, 1u);
  ASSERT_TRUE(remove_message((*l)[0]));
  ASSERT_TRUE(remove_message((*l)[0]));  // already gone: fine
  EXPECT_EQ(list_messages(t.path)->size(), 1u);
}

TEST(LocalQuota, Definition) {
  auto q = parse_quota_definition("1000000S,1000C");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->bytes, 1000000u);
  EXPECT_EQ(q->messages, 1000u);
  EXPECT_EQ(format_quota_definition(*q), "1000000S,1000C");
  EXPECT_EQ(parse_quota_definition("5C")->messages, 5u);
  EXPECT_EQ(parse_quota_definition("5S")->bytes, 5u);
  EXPECT_TRUE(parse_quota_definition("")->unlimited());
  EXPECT_EQ(format_quota_definition({}), "0S");
  for (const char* bad : {"S", "12", "12X", "-5S", "1S,2S", "1S,", ",1S", "1 S", "1S;2C", "99999999999999999999999S"})
    EXPECT_FALSE(parse_quota_definition(bad)) << bad;
}

TEST(LocalQuota, ParseMaildirsize) {
  auto m = parse_maildirsize("1000S,10C\n100 1\n   50    2\n-30 -1\n");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->limit.bytes, 1000u);
  EXPECT_EQ(m->usage.bytes, 120);
  EXPECT_EQ(m->usage.messages, 2);
  EXPECT_EQ(m->lines, 3u);
  EXPECT_FALSE(parse_maildirsize(""));
  EXPECT_FALSE(parse_maildirsize("1000S"));            // no newline
  EXPECT_FALSE(parse_maildirsize("1000S\n100 1\n12"));  // truncated last line
  EXPECT_FALSE(parse_maildirsize("1000S\n100\n"));
  EXPECT_FALSE(parse_maildirsize("1000S\n100 x\n"));
  EXPECT_FALSE(parse_maildirsize("1000S\n\n"));
  EXPECT_FALSE(parse_maildirsize("junk\n1 1\n"));
}

TEST(LocalQuota, WouldExceed) {
  QuotaLimit l{1000, 3};
  EXPECT_FALSE(would_exceed(l, {500, 1}, 500, 1));
  EXPECT_TRUE(would_exceed(l, {500, 1}, 501, 1));
  EXPECT_TRUE(would_exceed(l, {10, 3}, 1, 1));
  EXPECT_FALSE(would_exceed({}, {1 << 30, 100000}, 1 << 20, 1));
  EXPECT_FALSE(would_exceed({0, 2}, {1 << 30, 1}, 1 << 20, 1));
}

TEST(LocalQuota, RecalculateAddAndStale) {
  TmpDir t;
  ASSERT_TRUE(create_folder(t.path, "Junk"));
  ASSERT_TRUE(deliver_data(t.path, "12345"));
  ASSERT_TRUE(deliver_data(folder_dir(t.path, "Junk"), "123"));
  Quota q(t.path, {100, 3});
  auto u = q.usage(::time(nullptr));  // no file yet: scan
  ASSERT_TRUE(u);
  EXPECT_EQ(*u, (QuotaUsage{8, 2}));
  EXPECT_EQ(slurp(q.path()), "100S,3C\n8 2\n");
  ASSERT_TRUE(q.add(10, 1));
  EXPECT_EQ(*q.usage(::time(nullptr)), (QuotaUsage{18, 3}));
  EXPECT_TRUE(*q.would_exceed(1, 1, ::time(nullptr)));  // 4 messages > 3
  ASSERT_TRUE(q.add(-10, -1));
  EXPECT_FALSE(*q.would_exceed(92, 1, ::time(nullptr)));
  EXPECT_TRUE(*q.would_exceed(93, 1, ::time(nullptr)));
  // A different definition (the admin changed the quota) forces a rescan.
  Quota q2(t.path, {50, 0});
  EXPECT_EQ(*q2.usage(::time(nullptr)), (QuotaUsage{8, 2}));
  EXPECT_EQ(slurp(q.path()), "50S\n8 2\n");
  // A corrupt file is recalculated.
  ASSERT_TRUE(write_file_atomic(q.path(), "50S\n8 2\n99"));
  EXPECT_EQ(*q2.usage(::time(nullptr)), (QuotaUsage{8, 2}));
}

TEST(LocalQuota, LargeFileAndOldOverQuotaRecalculated) {
  TmpDir t;
  ASSERT_TRUE(ensure_maildir(t.path));
  ASSERT_TRUE(deliver_data(t.path, "1234567890"));
  Quota q(t.path, {15, 0});
  ASSERT_TRUE(q.recalculate());
  std::string big = "15S\n";
  for (int i = 0; i < 2000; ++i) big += "0 0\n";
  ASSERT_TRUE(write_file_atomic(q.path(), big));
  EXPECT_EQ(*q.usage(::time(nullptr)), (QuotaUsage{10, 1}));
  EXPECT_LT(slurp(q.path()).size(), 100u);
  // over quota according to the file: rescanned only once the file is 15 minutes old
  ASSERT_TRUE(write_file_atomic(q.path(), "15S\n10 1\n100 1\n"));
  EXPECT_EQ(q.usage(::time(nullptr))->bytes, 110);
  EXPECT_EQ(q.usage(::time(nullptr) + 16 * 60)->bytes, 10);
}

TEST(LocalQuota, UnlimitedAddWithoutFileIsNoop) {
  TmpDir t;
  ASSERT_TRUE(ensure_maildir(t.path));
  Quota q(t.path, {});
  ASSERT_TRUE(q.add(10, 1));
  EXPECT_FALSE(fs::exists(q.path()));
  EXPECT_FALSE(*q.would_exceed(1 << 30, 1, 0));
}

TEST(LocalQuota, FromEnv) {
  EXPECT_TRUE(quota_from_env(nullptr)->unlimited());
  EXPECT_EQ(quota_from_env("10S")->bytes, 10u);
  EXPECT_FALSE(quota_from_env("x"));
}

TEST(LocalMailhdr, ParseFields) {
  std::string m = "Received: from a\n by b\nDelivered-To: x@y\nSubject:  hi \n\nbody\nX: y\n";
  auto h = mailhdr::parse_header(m);
  ASSERT_EQ(h.fields.size(), 3u);
  EXPECT_TRUE(h.complete);
  EXPECT_FALSE(h.crlf);
  EXPECT_EQ(h.fields[0].value, "from a by b");
  EXPECT_EQ(h.fields[0].offset, 0u);
  EXPECT_EQ(h.fields[0].length, std::string("Received: from a\n by b\n").size());
  EXPECT_EQ(h.fields[2].value, "hi");
  EXPECT_EQ(m.substr(h.body_offset), "body\nX: y\n");
  EXPECT_EQ(mailhdr::count(h, "received"), 1u);
  EXPECT_EQ(mailhdr::first(h, "DELIVERED-TO"), "x@y");
  EXPECT_EQ(mailhdr::first(h, "nope"), "");
}

TEST(LocalMailhdr, CrlfNoBlankLineAndGarbage) {
  auto h = mailhdr::parse_header("A: 1\r\nB: 2\r\n\r\nbody");
  EXPECT_TRUE(h.crlf);
  EXPECT_EQ(h.eol(), "\r\n");
  EXPECT_EQ(h.fields.size(), 2u);
  auto g = mailhdr::parse_header("A: 1\nnot a header line\nB: 2\n");
  EXPECT_EQ(g.fields.size(), 1u);
  EXPECT_EQ(g.body_offset, 5u);
  auto e = mailhdr::parse_header("");
  EXPECT_TRUE(e.fields.empty());
  auto c = mailhdr::parse_header(" continuation first\nA: 1\n");
  EXPECT_TRUE(c.fields.empty());
  auto u = mailhdr::parse_header("A: 1\nB: 2");  // no final newline, no body
  EXPECT_EQ(u.fields.size(), 2u);
  EXPECT_FALSE(u.complete);
}

TEST(LocalMailhdr, MakeFieldAndAngle) {
  EXPECT_EQ(mailhdr::make_field("Delivered-To", "a@b\r\nBcc: evil", "\n"), "Delivered-To: a@bBcc: evil\n");
  EXPECT_EQ(mailhdr::strip_angle(" <a@b> "), "a@b");
  EXPECT_EQ(mailhdr::strip_angle("a@b"), "a@b");
  EXPECT_TRUE(posta::iequals("Received", "rECEIVED"));
  EXPECT_FALSE(posta::iequals("Received", "Receive"));
}

TEST(LocalMailhdr, ReadHeaderStopsAndLimits) {
  TmpDir t;
  std::string p = t.path + "/m";
  std::string body(100000, 'x');
  ASSERT_TRUE(write_file_atomic(p, "A: 1\n\n" + body));
  auto fd = open_fd(p, O_RDONLY);
  ASSERT_TRUE(fd);
  std::string raw;
  auto h = mailhdr::read_header(fd->get(), 1 << 20, raw);
  ASSERT_TRUE(h);
  EXPECT_LT(raw.size(), 20000u);
  EXPECT_EQ(h->body_offset, 6u);
  auto h2 = mailhdr::read_header(fd->get(), 3, raw);
  ASSERT_TRUE(h2);
  EXPECT_EQ(raw, "A: ");
}

TEST(LocalMaildirDeliver, CleanTmpRemovesOnlyOldFiles) {
  TmpDir t;
  ASSERT_TRUE(ensure_maildir(t.path));
  ASSERT_TRUE(write_file_atomic(t.path + "/tmp/stale", "x"));
  ASSERT_TRUE(write_file_atomic(t.path + "/tmp/fresh", "x"));
  time_t now = ::time(nullptr);
  EXPECT_EQ(clean_tmp(t.path, now), 0u);
  EXPECT_EQ(clean_tmp(t.path, now + 37 * 3600), 2u);
  EXPECT_EQ(count_files(t.path + "/tmp"), 0u);
  EXPECT_EQ(clean_tmp(t.path + "/missing", now), 0u);
}
