// lib/managesieve: ManageSieve command parsing (through imap::CommandReader, as the server
// reads), argument checks, responses and capabilities.
#include <gtest/gtest.h>
#include <unistd.h>

#include "io/fd.h"
#include "io/line_reader.h"
#include "managesieve/protocol.h"
#include "sieve/script_store.h"

using namespace posta;
using namespace posta::managesieve;

namespace {

// What the server's reader makes of the client's bytes.
struct Read {
  imap::ReadStatus status;
  Result<Command> cmd;
};

Read read_one(const std::string& wire, size_t max_literal = 100) {
  auto p = Pipe::make();
  EXPECT_TRUE(p);
  EXPECT_TRUE(write_all(p->write.get(), wire));
  p->write.reset();
  LineReader in(p->read.get(), 4096, std::chrono::seconds(5));
  imap::ReadLimits lim;
  lim.max_line = 4096;
  lim.max_literal = max_literal;
  lim.max_total = max_literal;
  lim.max_literals = 4;
  imap::CommandReader reader(in, lim, [] {});
  auto r = reader.read();
  if (r.status != imap::ReadStatus::kOk) return {r.status, fail("not read")};
  return {r.status, parse_command(r.cmd)};
}

Command parsed(const std::string& wire) {
  auto r = read_one(wire);
  EXPECT_EQ(r.status, imap::ReadStatus::kOk) << wire;
  EXPECT_TRUE(r.cmd) << wire << ": " << (r.cmd ? "" : r.cmd.error().what);
  return r.cmd ? *r.cmd : Command{};
}

std::string parse_error(const std::string& wire) {
  auto r = read_one(wire);
  EXPECT_EQ(r.status, imap::ReadStatus::kOk) << wire;
  EXPECT_FALSE(r.cmd) << wire;
  return r.cmd ? "" : r.cmd.error().what;
}

}  // namespace

TEST(ManageSieveParse, NamesAreCaseInsensitive) {
  EXPECT_EQ(parsed("capability\r\n").name, "CAPABILITY");
  EXPECT_EQ(parsed("LogOut\n").name, "LOGOUT");
  EXPECT_TRUE(parsed("NOOP\r\n").args.empty());
}

TEST(ManageSieveParse, QuotedStringsAndNumbers) {
  auto c = parsed("HAVESPACE \"my \\\"script\\\"\" 4294967295\r\n");
  ASSERT_EQ(c.args.size(), 2u);
  EXPECT_FALSE(c.args[0].is_number);
  EXPECT_EQ(c.args[0].str, "my \"script\"");
  EXPECT_TRUE(c.args[1].is_number);
  EXPECT_EQ(c.args[1].number, 4294967295u);
  EXPECT_EQ(parsed("SETACTIVE \"\"\r\n").args.at(0).str, "");
  EXPECT_EQ(parsed("GETSCRIPT \"r\xC3\xA8gles\"\r\n").args.at(0).str, "r\xC3\xA8gles");
}

TEST(ManageSieveParse, NonSynchronisingAndPlainLiterals) {
  auto c = parsed("PUTSCRIPT \"a\" {12+}\r\nkeep;\r\nstop;\r\n");
  ASSERT_EQ(c.args.size(), 2u);
  EXPECT_EQ(c.args[1].str, "keep;\r\nstop;");
  // RFC 5804 servers read {n} the same way: there is no continuation to wait for
  auto d = parsed("PUTSCRIPT {1}\r\nx {5}\r\nkeep;\r\n");
  ASSERT_EQ(d.args.size(), 2u);
  EXPECT_EQ(d.args[0].str, "x");
  EXPECT_EQ(d.args[1].str, "keep;");
  // a literal may hold anything, a NUL and a quote included
  auto e = parsed(std::string("CHECKSCRIPT {3+}\r\na\0\"\r\n", 23));
  EXPECT_EQ(e.args.at(0).str, std::string("a\0\"", 3));
}

TEST(ManageSieveParse, BadInputIsAnErrorNotACrash) {
  EXPECT_NE(parse_error("\r\n"), "");
  EXPECT_NE(parse_error("\"quoted\" NOOP\r\n"), "");
  EXPECT_NE(parse_error("PUTSCRIPT \"unterminated\r\n"), "");
  EXPECT_NE(parse_error("PUTSCRIPT \"bad \\x escape\"\r\n"), "");
  EXPECT_NE(parse_error("PUTSCRIPT atom\r\n"), "");
  EXPECT_NE(parse_error("PUTSCRIPT  \"two spaces\"\r\n"), "");
  EXPECT_NE(parse_error("PUTSCRIPT \"trailing space\" \r\n"), "");
  EXPECT_NE(parse_error("HAVESPACE \"a\" 4294967296\r\n"), "");
  EXPECT_NE(parse_error("HAVESPACE \"a\" 12x\r\n"), "");
  EXPECT_NE(parse_error("PUTSCRIPT \"a\"\"b\"\r\n"), "");
  EXPECT_NE(parse_error("PUTSCRIPT \"" + std::string(1025, 'a') + "\"\r\n").find("1024"), std::string::npos);
}

TEST(ManageSieveParse, LiteralLimitsAndFraming) {
  EXPECT_EQ(read_one("PUTSCRIPT \"a\" {101+}\r\n" + std::string(101, 'x') + "\r\n").status,
            imap::ReadStatus::kLiteralFatal);
  EXPECT_EQ(read_one("PUTSCRIPT \"a\" {101}\r\n" + std::string(101, 'x') + "\r\n").status,
            imap::ReadStatus::kLiteralTooBig);
  EXPECT_EQ(read_one("PUTSCRIPT \"a\" {99999999999999999999999+}\r\n").status, imap::ReadStatus::kLiteralFatal);
  EXPECT_EQ(read_one("PUTSCRIPT \"a\" {10+}\r\nshort").status, imap::ReadStatus::kEof);
  EXPECT_EQ(read_one(std::string("NOOP \"a\0b\"\r\n", 13)).status, imap::ReadStatus::kNul);
  EXPECT_EQ(read_one("NOOP \"" + std::string(5000, 'a') + "\"\r\n").status, imap::ReadStatus::kLineTooLong);
  // a malformed size is no literal: the braces stay in the text and the parser refuses them
  EXPECT_NE(parse_error("PUTSCRIPT \"a\" {1x+}\r\n"), "");
  EXPECT_NE(parse_error("PUTSCRIPT \"a\" {-1+}\r\n"), "");
}

TEST(ManageSieveArgs, ExpectArgs) {
  EXPECT_TRUE(expect_args(parsed("HAVESPACE \"a\" 5\r\n"), "sn"));
  EXPECT_FALSE(expect_args(parsed("HAVESPACE \"a\" \"5\"\r\n"), "sn"));
  EXPECT_FALSE(expect_args(parsed("HAVESPACE \"a\"\r\n"), "sn"));
  auto extra = expect_args(parsed("GETSCRIPT \"a\" \"b\"\r\n"), "s");
  ASSERT_FALSE(extra);
  EXPECT_EQ(extra.error().what, "usage: GETSCRIPT string");
  EXPECT_TRUE(expect_args(parsed("AUTHENTICATE \"PLAIN\"\r\n"), "ss", 1));
  EXPECT_TRUE(expect_args(parsed("AUTHENTICATE \"PLAIN\" \"AGEAYg==\"\r\n"), "ss", 1));
  EXPECT_EQ(expect_args(parsed("NOOP 1\r\n"), "s", 1).error().what, "usage: NOOP [string]");
}

TEST(ManageSieveResponse, Formats) {
  EXPECT_EQ(response("OK", "", ""), "OK");
  EXPECT_EQ(response("OK", "", "done"), "OK \"done\"");
  EXPECT_EQ(response("NO", "QUOTA/MAXSIZE", "too \"big\""), "NO (QUOTA/MAXSIZE) \"too \\\"big\\\"\"");
  EXPECT_EQ(response("NO", "", "line 1\r\nline 2"), "NO {14}\r\nline 1\r\nline 2");
  EXPECT_EQ(quote("r\xC3\xA8gles"), "{7}\r\nr\xC3\xA8gles");
}

TEST(ManageSieveResponse, StoreCodes) {
  EXPECT_EQ(store_code(Error{"x", sieve::kScriptNotFound}), "NONEXISTENT");
  EXPECT_EQ(store_code(Error{"x", sieve::kScriptExists}), "ALREADYEXISTS");
  EXPECT_EQ(store_code(Error{"x", sieve::kScriptActive}), "ACTIVE");
  EXPECT_EQ(store_code(Error{"x", sieve::kScriptTooBig}), "QUOTA/MAXSIZE");
  EXPECT_EQ(store_code(Error{"x", sieve::kScriptTooMany}), "QUOTA/MAXSCRIPTS");
  EXPECT_EQ(store_code(Error{"x", sieve::kScriptBadName}), "");
  EXPECT_EQ(store_code(Error{"x", EIO}), "TRYLATER");
}

TEST(ManageSieveCapability, BeforeAndAfterLogin) {
  Capabilities c{{"fileinto", "vacation"}, false, true, false, 0};
  auto pre = capability_lines(c);
  EXPECT_EQ(pre, (std::vector<std::string>{"\"IMPLEMENTATION\" \"posta\"", "\"SIEVE\" \"fileinto vacation\"",
                                           "\"SASL\" \"\"", "\"STARTTLS\"", "\"UNAUTHENTICATE\"",
                                           "\"VERSION\" \"1.0\""}));
  c.sasl_plain = true;
  c.starttls = false;
  c.max_redirects = 4;
  EXPECT_EQ(capability_lines(c).at(2), "\"SASL\" \"PLAIN\"");
  EXPECT_EQ(capability_lines(c).at(3), "\"MAXREDIRECTS\" \"4\"");
  c.authenticated = true;
  c.starttls = true;
  auto post = capability_lines(c);
  EXPECT_EQ(post, (std::vector<std::string>{"\"IMPLEMENTATION\" \"posta\"", "\"SIEVE\" \"fileinto vacation\"",
                                            "\"MAXREDIRECTS\" \"4\"", "\"UNAUTHENTICATE\"",
                                            "\"VERSION\" \"1.0\""}));
}

TEST(ManageSieveParse, SaslResponse) {
  auto p = Pipe::make();
  ASSERT_TRUE(p);
  ASSERT_TRUE(write_all(p->write.get(), "\"AGEAYg==\"\r\n{4+}\r\nAGEA\r\natom\r\n\"a\" \"b\"\r\n"));
  p->write.reset();
  LineReader in(p->read.get(), 4096, std::chrono::seconds(5));
  imap::CommandReader reader(in, imap::ReadLimits{}, [] {});
  EXPECT_EQ(*parse_sasl_response(reader.read().cmd), "AGEAYg==");
  EXPECT_EQ(*parse_sasl_response(reader.read().cmd), "AGEA");
  EXPECT_FALSE(parse_sasl_response(reader.read().cmd));
  EXPECT_FALSE(parse_sasl_response(reader.read().cmd));
}
