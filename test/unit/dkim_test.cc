// DKIM: canonicalization vectors, python3-dkim signed fixtures, sign/verify round trips.
#include <gtest/gtest.h>

#include <cstdlib>

#include "dkim/canon.h"
#include "dkim/key.h"
#include "dkim/sign.h"
#include "dkim/verify.h"
#include "io/fd.h"
#include "smtpclient/client.h"

using namespace posta;
using namespace posta::dkim;

namespace {

std::string fixture(const std::string& name) {
  const char* src = std::getenv("POSTA_SRC");
  auto r = read_file(std::string(src ? src : ".") + "/test/fixtures/posta-remote/dkim/" + name);
  EXPECT_TRUE(r) << name;
  return r ? *r : "";
}

KeyFetcher fixed_key(std::string txt) {
  return [txt](const std::string& name) {
    if (name != "sel._domainkey.example.test") return KeyLookup{KeyLookup::Status::kNotFound, ""};
    return KeyLookup{KeyLookup::Status::kOk, txt};
  };
}

std::string sample() {
  return smtpc::to_crlf(
      "From: Alice <alice@example.test>\nTo: bob@remote.test\nSubject: hi\n"
      "Date: Mon, 01 Jan 2024 10:00:00 +0000\n\nbody line\n");
}

}  // namespace

TEST(DkimCanon, RelaxedHeader) {
  HeaderField f{"Subject", "SuBject \t:  Fixture   message\r\n\twith a folded   subject  \r\n"};
  EXPECT_EQ(header_relaxed(f), "subject:Fixture message with a folded subject\r\n");
}

TEST(DkimCanon, RelaxedBody) {
  EXPECT_EQ(body_relaxed("a  b \t\r\nc\r\n\r\n \r\n"), "a b\r\nc\r\n");
  EXPECT_EQ(body_relaxed(""), "");
  EXPECT_EQ(body_relaxed("\r\n\r\n"), "");
  EXPECT_EQ(body_relaxed("no newline"), "no newline\r\n");
  EXPECT_EQ(body_simple(""), "\r\n");
  EXPECT_EQ(body_simple("x\r\n\r\n\r\n"), "x\r\n");
}

TEST(DkimCanon, SplitAndSelect) {
  auto m = split_message("A: 1\r\nB: 2\r\n  cont\r\nA: 3\r\n\r\nbody\r\n");
  ASSERT_EQ(m.headers.size(), 3u);
  EXPECT_EQ(m.headers[1].raw, "B: 2\r\n  cont\r\n");
  EXPECT_EQ(m.body, "body\r\n");
  auto sel = select_headers(m.headers, {"a", "a", "a", "c"});
  ASSERT_EQ(sel.size(), 2u);  // absent instances contribute nothing
  EXPECT_EQ(sel[0]->raw, "A: 3\r\n");  // bottom up
  EXPECT_EQ(sel[1]->raw, "A: 1\r\n");
}

TEST(DkimCanon, StripB) {
  EXPECT_EQ(strip_b_value("DKIM-Signature: a=1; b=abc\r\n def; bh=xyz\r\n"), "DKIM-Signature: a=1; b=; bh=xyz\r\n");
  EXPECT_EQ(strip_b_value("DKIM-Signature: bh=x; b=abc\r\n"), "DKIM-Signature: bh=x; b=\r\n");
}

TEST(DkimFixture, PythonSignaturesVerify) {
  for (auto [file, txt] : {std::pair{"rsa-relaxed.signed", "rsa.txt"}, {"rsa-simple.signed", "rsa.txt"},
                           {"ed25519-relaxed.signed", "ed25519.txt"}}) {
    auto v = verify(fixture(file), fixed_key(fixture(txt)));
    ASSERT_EQ(v.size(), 1u) << file;
    EXPECT_EQ(v[0].result, Verdict::Result::kPass) << file << ": " << v[0].reason;
    EXPECT_EQ(v[0].domain, "example.test");
  }
}

TEST(DkimFixture, TamperedFails) {
  auto msg = fixture("rsa-relaxed.signed");
  auto body = msg;
  body.replace(body.find("Hello Bob"), 5, "Jello");
  auto v = verify(body, fixed_key(fixture("rsa.txt")));
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].result, Verdict::Result::kFail);
  EXPECT_EQ(v[0].reason, "body hash mismatch");
  auto hdr = msg;
  hdr.replace(hdr.find("Subject:"), 8, "Subject: X");
  v = verify(hdr, fixed_key(fixture("rsa.txt")));
  EXPECT_EQ(v[0].result, Verdict::Result::kFail);
  // relaxed canonicalization tolerates whitespace changes in headers
  auto ws = msg;
  ws.replace(ws.find("To: bob"), 7, "To:    bob");
  v = verify(ws, fixed_key(fixture("rsa.txt")));
  EXPECT_EQ(v[0].result, Verdict::Result::kPass) << v[0].reason;
  // wrong key
  v = verify(msg, fixed_key(fixture("ed25519.txt")));
  EXPECT_EQ(v[0].result, Verdict::Result::kPermError);
  v = verify(msg, [](const std::string&) { return KeyLookup{KeyLookup::Status::kTempFail, ""}; });
  EXPECT_EQ(v[0].result, Verdict::Result::kTempError);
}

TEST(DkimSign, RoundTripBothAlgorithms) {
  for (auto file : {"rsa.key", "ed25519.key"}) {
    auto key = load_private_pem(fixture(file));
    ASSERT_TRUE(key) << key.error().what;
    auto txt = txt_record(key->get());
    ASSERT_TRUE(txt);
    SignOptions o;
    o.domain = "example.test";
    o.selector = "sel";
    auto msg = sample();
    auto sig = sign(msg, key->get(), o);
    ASSERT_TRUE(sig) << sig.error().what;
    EXPECT_NE(sig->find("h=from:subject:date:to:from;"), std::string::npos) << *sig;
    auto v = verify(*sig + msg, fixed_key(*txt));
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].result, Verdict::Result::kPass) << file << ": " << v[0].reason;
    // over-signed From: adding a second From breaks the signature
    v = verify(*sig + "From: mallory@evil.test\r\n" + msg, fixed_key(*txt));
    EXPECT_EQ(v[0].result, Verdict::Result::kFail) << file;
  }
}

TEST(DkimKey, GenerateAndRecords) {
  auto k = generate_key(KeyType::kEd25519);
  ASSERT_TRUE(k);
  auto pem = private_pem(k->get());
  ASSERT_TRUE(pem);
  auto back = load_private_pem(*pem);
  ASSERT_TRUE(back);
  auto txt = txt_record(back->get());
  ASSERT_TRUE(txt);
  EXPECT_EQ(txt->rfind("v=DKIM1; k=ed25519; p=", 0), 0u);
  EXPECT_TRUE(parse_key_record(*txt));
  EXPECT_FALSE(parse_key_record("v=DKIM1; k=rsa; p="));       // revoked
  EXPECT_FALSE(parse_key_record("v=DKIM2; p=AAAA"));          // version
  EXPECT_FALSE(parse_key_record("v=DKIM1; k=dsa; p=AAAA"));   // type
  EXPECT_FALSE(parse_key_record("v=DKIM1; k=rsa; p=!!!!"));   // base64
  EXPECT_FALSE(load_private_pem("not a key"));
  EXPECT_EQ(quoted_txt(std::string(300, 'a')), "\"" + std::string(255, 'a') + "\" \"" + std::string(45, 'a') + "\"");
}

TEST(DkimVerify, MalformedSignatures) {
  auto key = fixed_key(fixture("rsa.txt"));
  auto msg = sample();
  for (auto bad : {"DKIM-Signature: v=1; a=rsa-sha256\r\n", "DKIM-Signature: garbage\r\n",
                   "DKIM-Signature: v=1; v=1; a=rsa-sha256; b=; bh=; d=example.test; h=from; s=sel\r\n",
                   "DKIM-Signature: v=1; a=rsa-sha1; b=AA==; bh=AA==; d=example.test; h=from; s=sel\r\n",
                   "DKIM-Signature: v=1; a=rsa-sha256; b=AA==; bh=AA==; d=example.test; h=to; s=sel\r\n"}) {
    auto v = verify(bad + msg, key);
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].result, Verdict::Result::kPermError) << bad;
  }
  EXPECT_TRUE(verify(msg, key).empty());
}
