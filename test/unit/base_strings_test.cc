#include <gtest/gtest.h>

#include "base/strings.h"
#include "maildir/maildir.h"

using namespace posta;

TEST(BaseStrings, CaseIsAsciiOnly) {
  EXPECT_EQ(lower("MiXeD-09.Example"), "mixed-09.example");
  EXPECT_EQ(upper("8bitmime auth=plain"), "8BITMIME AUTH=PLAIN");
  EXPECT_EQ(lower("\xC3\x89T\xC3\x89"), "\xC3\x89t\xC3\x89");  // bytes >= 0x80 untouched
  EXPECT_EQ(upper("\xE9"), "\xE9");
  EXPECT_EQ(lower(""), "");
}

TEST(BaseStrings, Iequals) {
  EXPECT_TRUE(iequals("Received", "rECEIVED"));
  EXPECT_TRUE(iequals("", ""));
  EXPECT_FALSE(iequals("Received", "Receive"));
  EXPECT_FALSE(iequals("a", "b"));
  EXPECT_FALSE(iequals("\xE9", "\xC9"));  // Latin-1 é/É are not ASCII
}

TEST(BaseStrings, Trim) {
  EXPECT_EQ(trim("  a b \t\r\n"), "a b");
  EXPECT_EQ(trim("\v\fx\f"), "x");
  EXPECT_EQ(trim(""), "");
  EXPECT_EQ(trim(" \t "), "");
  EXPECT_EQ(trim("\r\n a \r\n", " \t"), "\r\n a \r\n");
  EXPECT_EQ(trim("\t a \t", " \t"), "a");
  EXPECT_EQ(trim_view("  x  "), "x");
}

TEST(BaseStrings, SplitKeepsEmptyFields) {
  EXPECT_EQ(split("a,,b", ','), (std::vector<std::string>{"a", "", "b"}));
  EXPECT_EQ(split("", ','), (std::vector<std::string>{""}));
  EXPECT_EQ(split("a,", ','), (std::vector<std::string>{"a", ""}));
  EXPECT_EQ(split("abc", ','), (std::vector<std::string>{"abc"}));
}

TEST(BaseStrings, StripTrailingSlash) {
  const std::pair<const char*, const char*> cases[] = {
      {"/home/u/Maildir/", "/home/u/Maildir"}, {"/home/u/Maildir///", "/home/u/Maildir"},
      {"/", "/"}, {"//", "/"}, {"", ""}, {"rel", "rel"}};
  for (auto [in, out] : cases) EXPECT_EQ(strip_trailing_slash(in), out) << in;
}

TEST(MaildirFolders, DefaultFoldersAndInboxDir) {
  EXPECT_EQ(maildir::default_folders(),
            (std::vector<std::string>{"Drafts", "Sent", "Trash", "Junk", "Archive"}));
  EXPECT_EQ(maildir::folder_dir("/m", "inBox"), "/m");
  EXPECT_EQ(maildir::folder_dir("/m", ""), "/m");
  EXPECT_EQ(maildir::folder_dir("/m", "Inboxes"), "/m/.Inboxes");
  EXPECT_EQ(maildir::folder_dir("/m", "Sent"), "/m/.Sent");
}

TEST(BaseStrings, Utf8Decoding) {
  std::string s = "a\xC3\xA8\xE2\x82\xAC\xF0\x9F\x93\xAC";
  size_t i = 0;
  EXPECT_EQ(next_utf8(s, i), 'a');
  EXPECT_EQ(next_utf8(s, i), 0xE8);
  EXPECT_EQ(next_utf8(s, i), 0x20AC);
  EXPECT_EQ(next_utf8(s, i), 0x1F4EC);
  EXPECT_EQ(i, s.size());
  EXPECT_TRUE(valid_utf8(s));
  EXPECT_TRUE(valid_utf8(""));
  for (const char* bad : {"\x80", "\xC3", "\xC3(", "\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80",
                          "\xF8\x88\x80\x80\x80", "\xFF"})
    EXPECT_FALSE(valid_utf8(bad)) << bad;
  std::string stray = "\xC3(";
  size_t j = 0;
  EXPECT_EQ(next_utf8(stray, j), -1);
  EXPECT_EQ(j, 1u);  // the '(' is read next, not swallowed
}
