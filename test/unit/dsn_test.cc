#include <dirent.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

#include "control/control.h"
#include "dsn/dsn.h"
#include "io/fd.h"

using namespace posta;

namespace {

std::string fixtures() {
  const char* src = std::getenv("POSTA_SRC");
  return std::string(src && *src ? src : ".") + "/test/fixtures/posta-send";
}

// .in: "key: value" lines, a blank line, the original message (see fixtures).
dsn::Report parse_in(const std::string& in, std::string& original) {
  dsn::Report r;
  size_t pos = 0;
  for (;;) {
    size_t nl = in.find('\n', pos);
    std::string line = in.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.empty()) break;
    auto colon = line.find(": ");
    std::string k = line.substr(0, colon), v = line.substr(colon + 2);
    if (k == "reporting-mta") r.reporting_mta = v;
    else if (k == "queue-id") r.queue_id = v;
    else if (k == "envid") r.envid = v;
    else if (k == "arrival") r.arrival = std::stoll(v);
    else if (k == "date") r.date = std::stoll(v);
    else if (k == "from") r.from = v;
    else if (k == "to") r.to = v;
    else if (k == "message-id") r.message_id = v;
    else if (k == "boundary") r.boundary = v;
    else if (k == "headers-only") r.headers_only = v == "1";
    else if (k == "max") r.max_original_bytes = std::stoul(v);
    else if (k == "rcpt") {
      auto f = split(v, '|');
      dsn::RecipientReport x{f[0], f[1], f[2], f[3], f[4], "", std::stoll(f[5]), std::stoll(f[6])};
      if (x.status.empty()) x.status = dsn::status_from_text(x.diagnostic, x.action == "failed",
                                                             x.diagnostic.ends_with("(queue lifetime expired)"));
      r.rcpts.push_back(x);
    }
  }
  original = in.substr(pos);
  return r;
}

}  // namespace

TEST(DsnStatus, FromText) {
  EXPECT_EQ(dsn::status_from_text("550 5.1.1 <a@b>: unknown", true), "5.1.1");
  EXPECT_EQ(dsn::status_from_text("5.2.2 mailbox full", true), "5.2.2");
  EXPECT_EQ(dsn::status_from_text("4.2.2 mailbox over quota", true), "5.2.2");
  EXPECT_EQ(dsn::status_from_text("4.2.2 mailbox over quota", true, true), "4.2.2");
  EXPECT_EQ(dsn::status_from_text("451 4.4.1 timeout", false), "4.4.1");
  EXPECT_EQ(dsn::status_from_text("unknown user", true), "5.0.0");
  EXPECT_EQ(dsn::status_from_text("try later", false), "4.0.0");
  EXPECT_EQ(dsn::status_from_text("550 no enhanced code", true), "5.0.0");
  EXPECT_EQ(dsn::status_from_text("5.1.1x junk", true), "5.0.0");
  EXPECT_EQ(dsn::status_from_text("", true), "5.0.0");
  EXPECT_TRUE(dsn::is_smtp_reply("550 no"));
  EXPECT_TRUE(dsn::is_smtp_reply("421-multi"));
  EXPECT_FALSE(dsn::is_smtp_reply("5.1.1 no"));
  EXPECT_FALSE(dsn::is_smtp_reply("55"));
}

// Golden files: test/fixtures/posta-send/NAME.in -> NAME.ref (POSTA_UPDATE_GOLDEN=1 rewrites).
TEST(DsnGolden, Fixtures) {
  ::setenv("TZ", "UTC", 1);
  ::tzset();
  DIR* d = ::opendir(fixtures().c_str());
  ASSERT_NE(d, nullptr) << fixtures();
  int n = 0;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (!name.ends_with(".in")) continue;
    std::string base = fixtures() + "/" + name.substr(0, name.size() - 3);
    auto in = read_file(base + ".in");
    ASSERT_TRUE(in);
    std::string original;
    auto rep = parse_in(*in, original);
    std::string out = dsn::build(rep, original);
    if (std::getenv("POSTA_UPDATE_GOLDEN")) {
      ASSERT_TRUE(write_file_atomic(base + ".ref", out));
    }
    auto ref = read_file(base + ".ref");
    ASSERT_TRUE(ref) << base << ".ref missing";
    EXPECT_EQ(out, *ref) << name;
    ++n;
  }
  ::closedir(d);
  EXPECT_GE(n, 5);
}

TEST(DsnBuild, StructureAndReturnedPart) {
  dsn::Report r;
  r.reporting_mta = "example.test";
  r.from = "MAILER-DAEMON@example.test";
  r.to = "a@example.test";
  r.message_id = "<x@example.test>";
  r.boundary = "BOUNDARY";
  r.rcpts.push_back({"b@example.test", "", "failed", "5.1.1", "5.1.1 unknown user", "", 0, 0});
  std::string orig = "Subject: s\n\nsecret body\n";
  auto full = dsn::build(r, orig);
  EXPECT_NE(full.find("Content-Type: multipart/report; report-type=delivery-status;"), std::string::npos);
  EXPECT_NE(full.find("Content-Type: message/delivery-status"), std::string::npos);
  EXPECT_NE(full.find("Content-Type: message/rfc822"), std::string::npos);
  EXPECT_NE(full.find("Final-Recipient: rfc822; b@example.test"), std::string::npos);
  EXPECT_NE(full.find("Diagnostic-Code: x-posta; 5.1.1 unknown user"), std::string::npos);
  EXPECT_NE(full.find("secret body"), std::string::npos);
  EXPECT_TRUE(full.ends_with("--BOUNDARY--\n"));
  r.headers_only = true;
  auto hdrs = dsn::build(r, orig);
  EXPECT_EQ(hdrs.find("secret body"), std::string::npos);
  EXPECT_NE(hdrs.find("Content-Type: text/rfc822-headers"), std::string::npos);
  // a reason cannot add header lines to the report
  r.rcpts[0].diagnostic = "bad\nInjected: yes";
  auto inj = dsn::build(r, orig);
  EXPECT_EQ(inj.find("\nInjected: yes"), std::string::npos);
}
