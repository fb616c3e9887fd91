#include <gtest/gtest.h>

#include "sieve/sieve.h"

namespace posta::sieve {
namespace {

std::string error_of(std::string_view text, const CompileOptions& o = {}) {
  auto r = compile(text, o);
  return r ? std::string() : r.error().what;
}

TEST(SieveCompile, AcceptsEveryExtension) {
  const char* script = R"S(require ["fileinto", "mailbox", "reject", "ereject", "envelope", "imap4flags",
  "vacation", "vacation-seconds", "copy", "body", "variables", "subaddress", "relational",
  "comparator-i;ascii-numeric", "date", "index", "regex", "include"];
if allof (header :contains "subject" "x", address :domain :is "from" "example.org",
          envelope :user "to" "me", body :text :contains "hello", exists "x-spam",
          size :over 10K, not true, string :is "${1}" "a",
          header :value "ge" :comparator "i;ascii-numeric" "x-n" "5",
          header :count "gt" :comparator "i;ascii-numeric" "received" "3",
          date :zone "+0100" "date" "year" "2020", currentdate :value "ge" "date" "2000-01-01",
          header :index 2 :last :regex "received" "from (.*)", hasflag "\\Seen",
          mailboxexists "Junk") {
  fileinto :create :copy :flags ["\\Seen"] "Lists/x";
  redirect :copy "a@b.example";
  set :lower :length "v" "${from}";
  addflag "\\Flagged"; removeflag "x"; setflag "f" "y";
  vacation :days 3 :subject "away" :from "me@example.org" :addresses ["a@b"] :mime :handle "h" text:
Gone.
..dot
.
;
  include :global :once :optional "before";
  global "x";
  return;
} elsif false { reject "no"; } else { ereject "no"; discard; keep :flags "a"; stop; }
)S";
  auto r = compile(script);
  ASSERT_TRUE(r) << r.error().what;
  EXPECT_EQ(r->required().size(), 18u);
}

TEST(SieveCompile, ErrorsCarryLineAndColumn) {
  EXPECT_EQ(error_of("require \"fileinto\";\n\nrequire [\"foo\"];"), "line 3, column 1: unknown extension \"foo\"");
  EXPECT_EQ(error_of("require \"fileinto\";\nif true {\n    fileinto :bogus \"x\";\n}"),
            "line 3, column 14: unknown tagged argument \":bogus\" for command \"fileinto\"");
  EXPECT_EQ(error_of("fileinto \"x\";"), "line 1, column 1: command \"fileinto\" needs require \"fileinto\"");
  EXPECT_EQ(error_of("keep"), "line 1, column 5: expected ';' or '{' after \"keep\", found end of script");
  EXPECT_EQ(error_of("if true { keep;"), "line 1, column 16: missing '}' for the block of \"if\"");
  EXPECT_EQ(error_of("keep; require \"copy\";"), "line 1, column 7: require must come before any other command");
  EXPECT_EQ(error_of("\"x\";"), "line 1, column 1: expected a command, found string");
  EXPECT_EQ(error_of("/* open"), "line 1, column 1: unterminated comment");
  EXPECT_EQ(error_of("if header :is \"a\" \"b\" keep;").substr(0, 7), "line 1,");
}

// Scripts the checker must refuse.
const char* const kRefused[] = {
    "elsif true {}",
    "if true keep;",
    "if header :is :contains \"a\" \"b\" {}",
    "if header :comparator \"i;unknown\" \"a\" \"b\" {}",
    "require \"relational\"; if header :value \"xx\" \"a\" \"b\" {}",
    "require \"regex\"; if header :regex \"a\" \"(\" {}",
    "redirect \"not an address\";",
    "if size 10 {}",
    "if header \"a\" {}",
    "if header \"bad name:\" \"x\" {}",
    "keep \"x\";",
    "stop { }",
    "require \"variables\"; set \"1a\" \"x\";",
    "require [\"comparator-i;ascii-numeric\"]; if header :contains :comparator \"i;ascii-numeric\" \"a\" \"1\" {}",
    "if 12345678901234567890123 {}",
    "require \"include\"; include \"../x\";",
    "require \"date\"; if date \"date\" \"century\" \"x\" {}",
};

TEST(SieveCompile, RefusesBadArguments) {
  for (const char* script : kRefused) EXPECT_NE(error_of(script), "") << script;
}

TEST(SieveCompile, StringsAndNumbers) {
  EXPECT_EQ(error_of("if size :over 1M { discard; }"), "");
  EXPECT_EQ(error_of("if header :is \"subject\" \"a\\\"b\\\\c\" { keep; }"), "");
  EXPECT_EQ(error_of("# comment\n/* block\ncomment */ keep;"), "");
  EXPECT_EQ(error_of("require \"reject\"; reject text: # comment\r\nline\r\n.\r\n;"), "");
  EXPECT_NE(error_of("require \"reject\"; reject text:\nno end"), "");
  EXPECT_EQ(error_of(""), "");
}

TEST(SieveCompile, HostileScriptsAreRefused) {
  std::string deep;
  for (int i = 0; i < 1000; ++i) deep += "if true {";
  for (int i = 0; i < 1000; ++i) deep += "}";
  EXPECT_NE(error_of(deep).find("nesting too deep"), std::string::npos);

  std::string deep_tests = "if ";
  for (int i = 0; i < 100000; ++i) deep_tests += "not ";
  deep_tests += "true {}";
  EXPECT_NE(error_of(deep_tests).find("nesting too deep"), std::string::npos);

  std::string list = "if header :is \"a\" [";
  for (int i = 0; i < 5000; ++i) list += "\"x\",";
  list += "\"y\"] {}";
  EXPECT_NE(error_of(list).find("string list too long"), std::string::npos);

  CompileOptions small;
  small.limits.max_script_size = 100;
  EXPECT_NE(error_of(std::string(200, ' '), small).find("script too large"), std::string::npos);

  std::string many;
  for (int i = 0; i < 30000; ++i) many += "keep;";
  EXPECT_NE(error_of(many).find("script too large"), std::string::npos);
}

}  // namespace
}  // namespace posta::sieve
