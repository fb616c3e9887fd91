// Unit tests of lib/spam tokenize and tokenize_html: words, decoding, HTML features,
// header tokens, and the bounds that keep hostile messages cheap.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "spam/tokenize.h"
#include "spam/tokenize_html.h"

using namespace posta;
using spam::tokenize;

namespace {

bool has(const std::vector<std::string>& toks, const std::string& t) {
  return std::binary_search(toks.begin(), toks.end(), t);
}

void expect_has(const std::vector<std::string>& toks, std::initializer_list<const char*> want) {
  for (const char* w : want) EXPECT_TRUE(has(toks, w)) << w;
}

std::string plain(const std::string& body, const std::string& extra_headers = "") {
  return "From: Alice <alice@mail.example.com>\nTo: bob@example.org\nSubject: hello\n" + extra_headers +
         "\n" + body;
}

}  // namespace

TEST(SpamTokenize, WordsCaseKeptPairedBoundedAndDeduplicated) {
  auto t = tokenize(plain("The QUICK brown fox, the quick fox! an extraordinarily-long-word here\n"));
  expect_has(t, {"QUICK", "quick", "The", "the", "fox"});
  EXPECT_FALSE(has(t, "an"));  // shorter than 3
  EXPECT_TRUE(has(t, "skip:e 20"));
  // pairs of neighbouring body words; a word too short or too long breaks the chain
  expect_has(t, {"bi:The QUICK", "bi:QUICK brown", "bi:brown fox", "bi:fox the", "bi:quick fox"});
  EXPECT_FALSE(has(t, "bi:fox an"));
  EXPECT_FALSE(std::any_of(t.begin(), t.end(), [](const std::string& s) { return s.starts_with("bi:") && s.ends_with(" here"); }));
  // header words are not paired
  EXPECT_FALSE(std::any_of(t.begin(), t.end(), [](const std::string& s) { return s.starts_with("bi:") && s.find("hello") != std::string::npos; }));
  EXPECT_TRUE(std::is_sorted(t.begin(), t.end()));
  EXPECT_EQ(std::adjacent_find(t.begin(), t.end()), t.end());
}

TEST(SpamTokenize, DecodesTransferEncodingsAndCharsets) {
  std::string qp = plain("caf=E9 cr=E8me br=FBl=\n=E9e\n",
                         "Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n");
  auto t = tokenize(qp);
  expect_has(t, {"caf\xc3\xa9", "br\xc3\xbbl\xc3\xa9" "e", "charset:iso-8859-1",
                 "encoding:quoted-printable"});
  // "viagra pills online" in base64
  auto b = tokenize(plain("dmlhZ3JhIHBpbGxz\nIG9ubGluZQ==\n", "Content-Transfer-Encoding: base64\n"));
  expect_has(b, {"viagra", "pills", "online"});
}

TEST(SpamTokenize, HeaderTokens) {
  std::string m =
      "Received: from a.example (a.example [192.0.2.1]) by mx.example.org with ESMTPS id x\n"
      "Received: from unknown (HELO x) ([198.51.100.7]) by mx.example.org with SMTP\n"
      "From: =?utf-8?q?Gro=C3=9Fe_Angebote?= <deals@shop.example.co.uk>\n"
      "Reply-To: other@elsewhere.example\n"
      "To: a@example.org, b@example.org\n"
      "Subject: =?iso-8859-1?q?Gro=DFer_Rabatt?= NOW!\n"
      "Message-ID: <20261207.12ab@mta.shop.example.co.uk>\n"
      "X-Mailer: Outlook Express 6.00.2600\n"
      "X-Spam-Flag: YES\n"
      "\n"
      "body text\n";
  auto t = tokenize(m);
  expect_has(t, {"received:count:2", "received:with:esmtps", "received:with:smtp",
                 "received:unknown", "received:ip:198.51.100", "received:dom:example.org",
                 "from:dom:example.co.uk", "from:name:Gro\xc3\x9f" "e", "from:local:deals",
                 "reply-to:differs", "to:count:2", "subject:Gro\xc3\x9f" "er", "subject:NOW",
                 "subject:!", "subject:encoded", "header-charset:iso-8859-1",
                 "message-id:shape:<9.9a@a.a.a.a.a>", "message-id:dom:example.co.uk",
                 "x-mailer:outlook express 9.9.9", "header:x-mailer", "date:none"});
  // the filter's own fields never count: a learned mailbox copy has them
  for (auto& tok : t) EXPECT_EQ(tok.find("x-spam"), std::string::npos) << tok;
}

TEST(SpamTokenize, UrlsAndMailDomainsInText) {
  auto t = tokenize(plain("see http://Login.Bank.example.com:8080/x?y and www.other.example/ or "
                          "http://paypal.example@198.51.100.1/ mail me: someone@mail.corp.example.\n"));
  expect_has(t, {"url:login.bank.example.com", "url:dom:example.com", "url:port",
                 "url:www.other.example", "url:userinfo", "url:ip", "proto:http",
                 "email:corp.example"});
}

TEST(SpamTokenize, RegisteredDomain) {
  EXPECT_EQ(spam::registered_domain("a.b.example.com"), "example.com");
  EXPECT_EQ(spam::registered_domain("mail.example.co.uk"), "example.co.uk");
  EXPECT_EQ(spam::registered_domain("example.com"), "example.com");
  EXPECT_EQ(spam::registered_domain("localhost"), "localhost");
  EXPECT_EQ(spam::registered_domain("x.example.de"), "example.de");  // "example" is no short second level
  EXPECT_EQ(spam::registered_domain(""), "");
  EXPECT_EQ(spam::registered_domain("..."), "");
}

TEST(SpamTokenize, HtmlTextAndFeatures) {
  std::string html =
      "<html><head><style>p{color:red}</style><script>var spamword=1;</script></head><body>"
      "<p>V<b></b>iagra &amp; caf&eacute; &#x263A; tr&#101;at<!-- x -->ment</p>"
      "<div style=\"display: none\">hiddenword <div>nestedhidden</div></div>visibleword"
      "<span style=\"color:#fff;background-color:#fff\">samecolour</span>"
      "<a href=\"http://click.example.net/a\">one</a><a href='https://two.example.org'>two</a>"
      "<img src=\"http://track.example.net/p.gif\" width=1 height=1><form></form>"
      "</body></html>";
  spam::HtmlText h = spam::html_to_text(html, 1 << 20);
  EXPECT_NE(h.text.find("Viagra & caf&eacute; \xe2\x98\xba treatment"), std::string::npos) << h.text;
  EXPECT_EQ(h.text.find("hiddenword"), std::string::npos);
  EXPECT_EQ(h.text.find("nestedhidden"), std::string::npos);
  EXPECT_EQ(h.text.find("samecolour"), std::string::npos);
  EXPECT_EQ(h.text.find("spamword"), std::string::npos);
  EXPECT_EQ(h.text.find("color"), std::string::npos);
  EXPECT_NE(h.text.find("visibleword"), std::string::npos);
  EXPECT_TRUE(h.display_none);
  EXPECT_TRUE(h.same_color);
  EXPECT_TRUE(h.script);
  EXPECT_TRUE(h.form);
  EXPECT_TRUE(h.tracking_image);
  EXPECT_EQ(h.links, 2u);
  EXPECT_EQ(h.images, 1u);
  EXPECT_GT(h.hidden_chars, 20u);
  EXPECT_EQ(h.urls.size(), 3u);

  auto t = tokenize(plain(html, "Content-Type: text/html\n"));
  expect_has(t, {"Viagra", "treatment"});
  EXPECT_FALSE(has(t, "hiddenword"));
  expect_has(t, {"html:display-none", "html:same-color", "html:links:2", "html:form",
                 "html:script", "html:tracking-image", "url:click.example.net",
                 "url:dom:example.org", "proto:https"});
}

TEST(SpamTokenize, HtmlTinyFontAndOutputBound) {
  auto h = spam::html_to_text("<p style='font-size:1px'>tiny</p><font size=0>zero</font>shown", 1 << 20);
  EXPECT_TRUE(h.tiny_font);
  EXPECT_EQ(h.text.find("tiny"), std::string::npos);
  EXPECT_EQ(h.text.find("zero"), std::string::npos);
  EXPECT_NE(h.text.find("shown"), std::string::npos);
  auto big = spam::html_to_text(std::string(100000, 'x') + "<a href=x>", 1000);
  EXPECT_LE(big.text.size(), 1000u);
  EXPECT_EQ(big.links, 1u);
  // unclosed tags, quotes and comments end with the input
  for (const char* s : {"<a href=\"x", "<!-- open", "<script>never closed", "<", "&#", "&#x110000;", "<div style="})
    (void)spam::html_to_text(s, 100);
}

TEST(SpamTokenize, MimeStructureAttachmentsAndImageOnly) {
  std::string m =
      "From: a@example.com\nSubject: pics\nContent-Type: multipart/mixed; boundary=b\n\n"
      "--b\nContent-Type: text/html\n\n<img src=\"cid:1\">\n"
      "--b\nContent-Type: image/png; name=\"photo.png\"\nContent-Transfer-Encoding: base64\n\niVBORw0KGgo=\n"
      "--b\nContent-Type: application/octet-stream\nContent-Disposition: attachment; filename=\"invoice.pdf.exe\"\n\nMZ\n"
      "--b--\n";
  auto t = tokenize(m);
  expect_has(t, {"content-type:multipart/mixed", "content-type:image/png", "filename:ext:exe",
                 "filename:ext:png", "filename:double-ext", "filename:invoice",
                 "mime:attachment", "mime:image-only", "mime:parts:4-5", "encoding:base64"});
}

TEST(SpamTokenize, TokensHoldNoControlBytes) {
  std::string m = plain(std::string("a\x01\x02word\x7fother\x1b[31mred \xff\xfe\xfdhigh\n"), "X-Mailer: bad\x01mailer\n");
  for (auto& tok : tokenize(m))
    for (char c : tok) EXPECT_FALSE(static_cast<unsigned char>(c) < 0x20 || c == 0x7f) << tok;
}

TEST(SpamTokenize, TokenCountBounded) {
  std::string body;
  for (int i = 0; i < 20000; ++i) body += "w" + std::to_string(i) + " ";
  spam::TokenizeLimits lim;
  lim.max_tokens = 500;
  auto t = tokenize(plain(body), lim);
  EXPECT_EQ(t.size(), 500u);
}

TEST(SpamTokenize, HugeMessageIsCut) {
  std::string body;
  body.reserve(31u << 20);
  std::string line = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do\n";
  while (body.size() < (30u << 20)) body += line;
  body += "endmarker\n";
  auto t = tokenize(plain(body));
  expect_has(t, {"mime:truncated", "lorem"});
  EXPECT_FALSE(has(t, "endmarker"));
}

TEST(SpamTokenize, PartBombIsCut) {
  std::string m = "From: a@example.com\nContent-Type: multipart/mixed; boundary=b\n\n";
  for (int i = 0; i < 10000; ++i)
    m += "--b\nContent-Type: text/plain\n\npartword" + std::to_string(i) + "\n";
  m += "--b--\n";
  auto t = tokenize(m);
  expect_has(t, {"mime:parts:51+", "partword0"});
  EXPECT_FALSE(has(t, "partword9999"));  // past the part limit
  EXPECT_LE(t.size(), spam::TokenizeLimits{}.max_tokens);
}

TEST(SpamTokenize, TextPerPartAndTotalBounded) {
  spam::TokenizeLimits lim;
  lim.max_part_text = 1000;
  lim.max_total_text = 1500;
  std::string filler(990, 'x');
  std::string m = "Content-Type: multipart/mixed; boundary=b\n\n"
                  "--b\n\n" + filler + " firstpart beyondpart\n"
                  "--b\n\nsecondpart " + filler + " beyondtotal\n"
                  "--b\n\nthirdpart\n--b--\n";
  auto t = tokenize(m, lim);
  EXPECT_FALSE(has(t, "beyondpart"));
  EXPECT_TRUE(has(t, "secondpart"));
  EXPECT_FALSE(has(t, "beyondtotal"));
  EXPECT_FALSE(has(t, "thirdpart"));
}
