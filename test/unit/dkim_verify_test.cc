// DKIM verification rules beyond the signature itself: l=, t=, x=, i=, key record flags, the
// signature cap, and key records from DNS answers.
#include <gtest/gtest.h>

#include "base/base64.h"
#include "dkim/canon.h"
#include "dkim/dns_keys.h"
#include "dkim/key.h"
#include "dkim/sign.h"
#include "dkim/tags.h"
#include "dkim/verify.h"

using namespace posta;
using namespace posta::dkim;

namespace {

constexpr std::time_t kNow = 1700000000;

const std::string kMsg =
    "From: Alice <alice@example.test>\r\nTo: bob@remote.test\r\nSubject: hi\r\n\r\nbody line\r\nsecond line\r\n";

struct Signer {
  Pkey key;
  std::string txt;
  explicit Signer(KeyType t) : key(*generate_key(t)), txt(*txt_record(key.get())) {}

  // A DKIM-Signature field over msg with the given tags (without bh= and b=); c= and l= in
  // tags are honoured.
  std::string sign(const std::string& msg, const std::string& tags) const {
    auto t = *parse_tags(tags);
    std::string c = t.count("c") ? t["c"] : "simple/simple";
    bool rh = c.starts_with("relaxed"), rb = c.ends_with("/relaxed");
    auto m = split_message(msg);
    std::string body = rb ? body_relaxed(m.body) : body_simple(m.body);
    if (t.count("l")) body.resize(std::stoul(t["l"]));
    std::string field = "DKIM-Signature: " + tags + "; bh=" + base64_encode(sha256(body)) + "; b=\r\n";
    auto input = header_hash_input(select_headers(m.headers, split(without_fws(t["h"]), ':')),
                                   HeaderField{"DKIM-Signature", field}, rh);
    auto sig = raw_sign(key.get(), input);
    field.resize(field.size() - 2);
    return field + base64_encode(*sig) + "\r\n";
  }
  KeyFetcher fetcher(std::string record = "") const {
    if (record.empty()) record = txt;
    return [record](const std::string& name) {
      if (name != "sel._domainkey.example.test") return KeyLookup{KeyLookup::Status::kNotFound, ""};
      return KeyLookup{KeyLookup::Status::kOk, record};
    };
  }
};

const Signer& rsa() {
  static Signer s(KeyType::kRsa);
  return s;
}

Verdict one(const std::string& msg, const KeyFetcher& f) {
  auto v = verify(msg, f, kNow);
  EXPECT_EQ(v.size(), 1u);
  return v.empty() ? Verdict{} : v[0];
}

const std::string kBase = "v=1; a=rsa-sha256; d=example.test; s=sel; h=from:to:subject";

}  // namespace

TEST(DkimVerify, BothCanonicalizationsAndAlgorithms) {
  Signer ed(KeyType::kEd25519);
  for (auto c : {"simple/simple", "relaxed/simple", "simple/relaxed", "relaxed/relaxed", "relaxed"}) {
    auto v = one(rsa().sign(kMsg, kBase + "; c=" + c) + kMsg, rsa().fetcher());
    EXPECT_EQ(v.result, Verdict::Result::kPass) << c << ": " << v.reason;
    auto e = one(ed.sign(kMsg, "v=1; a=ed25519-sha256; d=example.test; s=sel; h=from; c=" + std::string(c)) + kMsg,
                 ed.fetcher());
    EXPECT_EQ(e.result, Verdict::Result::kPass) << c << ": " << e.reason;
  }
}

TEST(DkimVerify, BodyLengthLimit) {
  // l= covering the whole canonical body: an ordinary pass
  auto full = rsa().sign(kMsg, kBase + "; l=24");
  EXPECT_EQ(one(full + kMsg, rsa().fetcher()).result, Verdict::Result::kPass);
  // l= covering the first line only: verified, but what follows is unsigned -> policy
  auto part = rsa().sign(kMsg, kBase + "; l=11");
  auto v = one(part + kMsg, rsa().fetcher());
  EXPECT_EQ(v.result, Verdict::Result::kPolicy);
  EXPECT_EQ(v.unsigned_body, 13u);
  // content appended after signing a full-length l=: the same
  v = one(full + kMsg + "Buy now!\r\n", rsa().fetcher());
  EXPECT_EQ(v.result, Verdict::Result::kPolicy) << v.reason;
  // l= longer than the body
  auto body_cut = full + kMsg.substr(0, kMsg.size() - 13);
  EXPECT_EQ(one(body_cut, rsa().fetcher()).result, Verdict::Result::kFail);
  auto bad = full;
  bad.replace(bad.find("l=24"), 4, "l=x1");
  EXPECT_EQ(one(bad + kMsg, rsa().fetcher()).result, Verdict::Result::kPermError);
}

TEST(DkimVerify, Timestamps) {
  auto at = [&](const std::string& tags) { return one(rsa().sign(kMsg, kBase + tags) + kMsg, rsa().fetcher()); };
  EXPECT_EQ(at("; t=1699990000; x=1700100000").result, Verdict::Result::kPass);
  EXPECT_EQ(at("; t=1699990000; x=1699999999").reason, "signature expired");
  EXPECT_EQ(at("; t=1700000500; x=1700000400").reason, "x= is before t=");
  EXPECT_EQ(at("; t=1700000000").result, Verdict::Result::kPass);
  EXPECT_EQ(at("; t=1800000000").result, Verdict::Result::kPermError);  // far future
  EXPECT_EQ(at("; t=-5").result, Verdict::Result::kPermError);
}

TEST(DkimVerify, IdentityAndKeyFlags) {
  auto with = [&](const std::string& tags, const std::string& record = "") {
    return one(rsa().sign(kMsg, kBase + tags) + kMsg, rsa().fetcher(record));
  };
  EXPECT_EQ(with("; i=@example.test").result, Verdict::Result::kPass);
  EXPECT_EQ(with("; i=alice@mail.example.test").result, Verdict::Result::kPass);
  EXPECT_EQ(with("; i=alice@evil.test").reason, "i= is not within d=");
  EXPECT_EQ(with("; i=alice@notexample.test").reason, "i= is not within d=");
  std::string p = rsa().txt.substr(rsa().txt.find("p="));
  EXPECT_EQ(with("; i=a@mail.example.test", "v=DKIM1; t=s; " + p).result, Verdict::Result::kPermError);
  EXPECT_EQ(with("; i=a@example.test", "v=DKIM1; t=s; " + p).result, Verdict::Result::kPass);
  auto testing = with("", "v=DKIM1; t=y:s; " + p);
  EXPECT_EQ(testing.result, Verdict::Result::kPass);
  EXPECT_TRUE(testing.testing);
  EXPECT_EQ(with("", "v=DKIM1; h=sha1; " + p).result, Verdict::Result::kPermError);
  EXPECT_EQ(with("", "v=DKIM1; h=sha1:sha256; " + p).result, Verdict::Result::kPass);
  EXPECT_EQ(with("", "v=DKIM1; s=email; " + p).result, Verdict::Result::kPass);
  EXPECT_EQ(with("", "v=DKIM1; s=tlsrpt; " + p).result, Verdict::Result::kPermError);
  EXPECT_EQ(with("", "v=DKIM1; k=rsa; p=").reason, "key revoked (empty p=)");
  EXPECT_EQ(with("", "v=DKIM1; p=AAAA; p=AAAA").result, Verdict::Result::kPermError);
  EXPECT_EQ(with("", "v=DKIM1; k=ed25519; " + p).result, Verdict::Result::kPermError);
}

TEST(DkimVerify, ShortRsaKeyRefused) {
  auto small = generate_key(KeyType::kRsa, 512);
  ASSERT_TRUE(small);
  auto txt = txt_record(small->get());
  auto r = parse_key_record(*txt);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().what, "RSA key shorter than 1024 bits");
}

TEST(DkimVerify, FromMustBeSigned) {
  auto v = one(rsa().sign(kMsg, "v=1; a=rsa-sha256; d=example.test; s=sel; h=to:subject") + kMsg, rsa().fetcher());
  EXPECT_EQ(v.reason, "From is not signed");
  v = one(rsa().sign(kMsg, "v=1; a=rsa-sha256; d=example.test; s=sel; h=to: FROM") + kMsg, rsa().fetcher());
  EXPECT_EQ(v.result, Verdict::Result::kPass) << v.reason;
}

TEST(DkimVerify, BadKeyNamesAreNotLookedUp) {
  bool asked = false;
  KeyFetcher f = [&](const std::string&) {
    asked = true;
    return KeyLookup{KeyLookup::Status::kTempFail, ""};
  };
  auto v = one(rsa().sign(kMsg, "v=1; a=rsa-sha256; d=example..test; s=sel; h=from") + kMsg, f);
  EXPECT_EQ(v.result, Verdict::Result::kPermError);
  EXPECT_FALSE(asked);
}

TEST(DkimVerify, AtMostFiveSignaturesVerified) {
  std::string sigs;
  for (int i = 0; i < 8; ++i) sigs += rsa().sign(kMsg, kBase);
  int fetched = 0;
  auto inner = rsa().fetcher();
  KeyFetcher counting = [&](const std::string& n) {
    ++fetched;
    return inner(n);
  };
  auto v = verify(sigs + kMsg, counting, kNow);
  ASSERT_EQ(v.size(), 8u);
  EXPECT_EQ(fetched, 5);
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ(v[i].result, Verdict::Result::kPass);
  for (size_t i = 5; i < 8; ++i) {
    EXPECT_EQ(v[i].result, Verdict::Result::kNeutral);
    EXPECT_EQ(v[i].domain, "example.test");
  }
  EXPECT_EQ(key_names(sigs + kMsg), std::vector<std::string>{"sel._domainkey.example.test"});
}

TEST(DkimVerify, LongHeaderListsCostLinearWork) {
  std::string many;
  for (int i = 0; i < 20000; ++i) many += "X-Filler: " + std::to_string(i) + "\r\n";
  std::string h = "from";
  for (int i = 0; i < 20000; ++i) h += ":x-filler";
  auto msg = many + kMsg;
  auto v = one(rsa().sign(msg, "v=1; a=rsa-sha256; d=example.test; s=sel; h=" + h) + msg, rsa().fetcher());
  EXPECT_EQ(v.result, Verdict::Result::kPass) << v.reason;
}

TEST(DkimVerify, TagLists) {
  EXPECT_TRUE(parse_tags("a=1; b = 2 ;"));
  EXPECT_EQ((*parse_tags("a=1;\r\n\tb = x y"))["b"], "x y");
  EXPECT_FALSE(parse_tags("a=1; a=2"));
  EXPECT_FALSE(parse_tags("a=1; junk"));
  EXPECT_FALSE(parse_tags("1a=1"));
  EXPECT_FALSE(parse_tags("=1"));
}

TEST(DkimDnsKeys, AnswersToLookups) {
  dns::Answer a;
  a.status = dns::QueryStatus::kTempFail;
  EXPECT_EQ(key_from_answer(a).status, KeyLookup::Status::kTempFail);
  a.status = dns::QueryStatus::kNxDomain;
  EXPECT_EQ(key_from_answer(a).status, KeyLookup::Status::kNotFound);
  a.status = dns::QueryStatus::kNoData;
  EXPECT_EQ(key_from_answer(a).status, KeyLookup::Status::kNotFound);
  a.status = dns::QueryStatus::kOk;
  a.records = {dns::Record{"x", dns::kTxt, 60, "google-site-verification=1", 0},
               dns::Record{"x", dns::kTxt, 60, "v=DKIM1; p=AAAA", 0}};
  auto k = key_from_answer(a);
  EXPECT_EQ(k.status, KeyLookup::Status::kOk);
  EXPECT_EQ(k.txt, "v=DKIM1; p=AAAA");
  a.records.pop_back();
  EXPECT_EQ(key_from_answer(a).txt, "google-site-verification=1");
}

TEST(DkimDnsKeys, FetcherOverAResolverThatDoesNotAnswer) {
  auto server = dns::parse_server("127.0.0.1:1");  // nobody listens: port unreachable
  ASSERT_TRUE(server);
  dns::Resolver resolver({*server}, std::chrono::milliseconds(300), 1);
  auto msg = rsa().sign(kMsg, kBase) + kMsg;
  auto v = one(msg, dns_key_fetcher(resolver, msg));
  EXPECT_EQ(v.result, Verdict::Result::kTempError);
  EXPECT_EQ(v.domain, "example.test");
}
