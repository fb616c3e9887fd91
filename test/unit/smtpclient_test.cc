// lib/smtpclient: reply parser, EHLO keywords, routes and TLS policy files, dot-stuffing,
// and whole sessions against a scripted SMTP server on loopback.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <functional>
#include <map>
#include <thread>

#include "io/fd.h"
#include "io/line_reader.h"
#include "smtpclient/client.h"
#include "smtpclient/hostslot.h"
#include "smtpclient/reply.h"
#include "smtpclient/routes.h"
#include "smtpclient/sasl.h"

using namespace posta;
using namespace posta::smtpc;
using namespace std::chrono_literals;

namespace {

// Answers commands by verb from a table; "DATA" gets 354 then the "." reply from ".".
using Script = std::map<std::string, std::string>;

class ScriptedServer {
 public:
  explicit ScriptedServer(std::map<std::string, std::string> replies, std::string greeting = "220 sink ESMTP\r\n")
      : replies_(std::move(replies)), greeting_(std::move(greeting)) {
    lfd_.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(lfd_.get(), reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(lfd_.get(), 4);
    socklen_t l = sizeof a;
    ::getsockname(lfd_.get(), reinterpret_cast<sockaddr*>(&a), &l);
    port_ = ntohs(a.sin_port);
    th_ = std::thread([this] { serve(); });
  }
  ~ScriptedServer() {
    ::shutdown(lfd_.get(), SHUT_RDWR);
    th_.join();
  }
  int port() const { return port_; }
  std::string transcript;  // what the client sent, lines joined by \n
  std::string data;        // DATA payload as received

 private:
  void serve() {
    Fd c(::accept4(lfd_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!c) return;
    (void)write_all(c.get(), greeting_);
    LineReader r(c.get(), 10000, 5000ms);
    bool in_data = false;
    for (;;) {
      if (r.buffered() == 0) r.discard_buffered();  // works around a LineReader compaction bug
      auto line = r.read_line();
      if (line.status != Line::Status::kOk) return;
      if (in_data) {
        if (line.text == ".") {
          in_data = false;
          (void)write_all(c.get(), reply("."));
        } else {
          data += line.text + "\n";
        }
        continue;
      }
      transcript += line.text + "\n";
      std::string verb = line.text.substr(0, line.text.find_first_of(" :"));
      if (verb == "RCPT") verb = line.text;  // per-recipient replies by full line
      std::string rep = reply(verb);
      (void)write_all(c.get(), rep);
      if (verb == "DATA" && rep.rfind("354", 0) == 0) in_data = true;
      if (verb == "QUIT") return;
    }
  }
  std::string reply(const std::string& key) {
    auto it = replies_.find(key);
    if (it != replies_.end()) return it->second;
    if (key.rfind("RCPT", 0) == 0 && replies_.count("RCPT")) return replies_["RCPT"];
    if (key == "DATA") return "354 go\r\n";
    if (key == "QUIT") return "221 bye\r\n";
    return "250 ok\r\n";
  }

  std::map<std::string, std::string> replies_;
  std::string greeting_;
  Fd lfd_;
  int port_ = 0;
  std::thread th_;
};

Outcome deliver(ScriptedServer& s, const Message& m, SessionOptions o = {}) {
  auto c = Connection::connect("127.0.0.1", s.port(), 2s);
  EXPECT_TRUE(c);
  o.label = "sink[127.0.0.1]";
  o.timeouts.set_all(2s);
  return run_session(*c, m, o);
}

std::string body = "Subject: t\r\n\r\nhello\r\n.dot\r\n";

Message msg(std::vector<std::string> rcpts) {
  Message m;
  m.sender = "a@example.test";
  m.rcpts = std::move(rcpts);
  m.data = body;
  return m;
}

}  // namespace

TEST(SmtpClientReply, MultiLine) {
  ReplyParser p;
  auto r = p.feed("250-first");
  ASSERT_TRUE(r);
  EXPECT_FALSE(*r);
  r = p.feed("250 last");
  ASSERT_TRUE(r && *r);
  EXPECT_EQ((*r)->code, 250);
  EXPECT_EQ((*r)->text(), "250 first / last");
  r = p.feed("220");
  ASSERT_TRUE(r && *r);
  EXPECT_EQ((*r)->lines.size(), 1u);
}

TEST(SmtpClientReply, Malformed) {
  for (auto bad : {"", "25", "2x0 hi", "650 no", "250x", "hello"}) {
    ReplyParser p;
    EXPECT_FALSE(p.feed(bad)) << bad;
  }
  ReplyParser p;
  ASSERT_TRUE(p.feed("250-a"));
  EXPECT_FALSE(p.feed("251 b"));  // code changes
  ReplyParser q;
  EXPECT_FALSE(q.feed("250 " + std::string(5000, 'x')));
  ReplyParser many;
  Result<std::optional<Reply>> last;
  for (size_t i = 0; i <= ReplyParser::kMaxLines; ++i) last = many.feed("250-x");
  EXPECT_FALSE(last);
}

TEST(SmtpClientReply, Ehlo) {
  Reply r{250, {"mx.example hello", "PIPELINING", "SIZE 1000", "8BITMIME", "starttls", "AUTH PLAIN login",
                "AUTH=CRAM-MD5", "SMTPUTF8"}};
  auto e = parse_ehlo(r);
  EXPECT_TRUE(e.pipelining && e.eightbitmime && e.starttls && e.smtputf8 && e.size);
  EXPECT_EQ(e.size_limit, 1000u);
  EXPECT_TRUE(e.has_auth("PLAIN") && e.has_auth("LOGIN") && e.has_auth("CRAM-MD5"));
  auto none = parse_ehlo(Reply{250, {"STARTTLS only on first line"}});
  EXPECT_FALSE(none.starttls);
}

TEST(SmtpClientRoutes, Smtproutes) {
  std::vector<std::string> lines{"example.test:[127.0.0.2]:2525", ".sub.test:relay.test", ":smart.test:587",
                                 "direct.test:"};
  auto r = find_route(lines, "Example.TEST");
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->use_mx);
  EXPECT_EQ(r->host, "127.0.0.2");
  EXPECT_EQ(r->port, 2525);
  r = find_route(lines, "a.sub.test");
  EXPECT_EQ(r->host, "relay.test");
  EXPECT_EQ(r->port, 0);
  r = find_route(lines, "other.test");
  EXPECT_EQ(r->host, "smart.test");
  EXPECT_EQ(r->port, 587);
  r = find_route(lines, "direct.test");
  EXPECT_TRUE(r->use_mx);
  EXPECT_TRUE(find_route({}, "x.test")->use_mx);
  EXPECT_FALSE(find_route({"no colon"}, "x.test"));
  EXPECT_FALSE(find_route({"x.test:host:99999"}, "x.test"));
  EXPECT_FALSE(find_route({"x.test:[::1"}, "x.test"));
  r = find_route({"x.test:[::1]:25"}, "x.test");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->host, "::1");
  auto c = find_credentials({"smart.test user pass word"}, "SMART.test");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->user, "user");
  EXPECT_EQ(c->password, "pass word");
  EXPECT_FALSE(find_credentials({"smart.test user pass"}, "other.test"));
}

TEST(SmtpClientRoutes, TlsPolicy) {
  std::vector<std::string> lines{"* encrypt", "secure.test verify", ".lax.test none"};
  EXPECT_EQ(*find_policy(lines, "secure.test"), TlsPolicy::kVerify);
  EXPECT_EQ(*find_policy(lines, "a.lax.test"), TlsPolicy::kNone);
  EXPECT_EQ(*find_policy(lines, "other.test"), TlsPolicy::kEncrypt);
  EXPECT_EQ(*find_policy({}, "other.test"), TlsPolicy::kMay);
  EXPECT_FALSE(find_policy({"x.test verfy"}, "x.test"));
  EXPECT_FALSE(find_policy({"x.test"}, "x.test"));
}

// No bare CR or LF ever reaches the wire: a lone CR is a line end of its own, and the
// dot-stuffing after it sees that line, so "\r.\r" cannot end the data for a receiver
// that ends lines on CR.
TEST(SmtpClientData, NoBareCrOrLfOnTheWire) {
  EXPECT_EQ(to_crlf("a\rb"), "a\r\nb\r\n");
  EXPECT_EQ(to_crlf("a\r\r\nb\n"), "a\r\n\r\nb\r\n");
  EXPECT_EQ(to_crlf("x\r"), "x\r\n");
  EXPECT_EQ(to_crlf("\n"), "\r\n");
  EXPECT_EQ(dot_stuff(to_crlf("a\r.\rMAIL FROM:<x@y>\r")), "a\r\n..\r\nMAIL FROM:<x@y>\r\n.\r\n");
  EXPECT_EQ(dot_stuff(to_crlf("a\n.\nb")), "a\r\n..\r\nb\r\n.\r\n");
  std::string wire = dot_stuff(to_crlf("1\r2\n3\r\n4\n\r5\r\r"));
  for (size_t i = 0; i < wire.size(); ++i) {
    if (wire[i] == '\r') {
      EXPECT_TRUE(i + 1 < wire.size() && wire[i + 1] == '\n') << i;
    }
    if (wire[i] == '\n') {
      EXPECT_TRUE(i > 0 && wire[i - 1] == '\r') << i;
    }
  }
}

TEST(SmtpClientData, DotStuffAndCrlf) {
  EXPECT_EQ(to_crlf("a\nb\r\nc"), "a\r\nb\r\nc\r\n");
  EXPECT_EQ(dot_stuff(".a\r\nb\r\n..\r\n"), "..a\r\nb\r\n...\r\n.\r\n");
  EXPECT_TRUE(has_8bit("caf\xc3\xa9"));
  EXPECT_FALSE(has_8bit("cafe"));
}

TEST(SmtpClientSession, DeliversWithPerRecipientResults) {
  ScriptedServer s(Script{{"EHLO", "250-sink\r\n250 PIPELINING\r\n"},
                    {"RCPT TO:<bad@r.test>", "550 5.1.1 no such user\r\n"},
                    {"RCPT TO:<later@r.test>", "451 4.3.0 try later\r\n"},
                    {".", "250 2.0.0 queued as 1\r\n"}});
  auto out = deliver(s, msg({"ok@r.test", "bad@r.test", "later@r.test"}));
  EXPECT_FALSE(out.try_next) << out.error;
  ASSERT_EQ(out.rcpts.size(), 3u);
  EXPECT_EQ(out.rcpts[0].code, 'r');
  EXPECT_EQ(out.rcpts[1].code, 'h');
  EXPECT_EQ(out.rcpts[1].text, "sink[127.0.0.1] said: 550 5.1.1 no such user");
  EXPECT_EQ(out.rcpts[2].code, 's');
  EXPECT_EQ(out.final_code, 'K');
  EXPECT_EQ(s.data, "Subject: t\n\nhello\n..dot\n");
}

TEST(SmtpClientSession, DataRefusedAndGreeting) {
  {
    ScriptedServer s(Script{{".", "554 5.7.1 spam\r\n"}});
    auto out = deliver(s, msg({"ok@r.test"}));
    EXPECT_EQ(out.final_code, 'D');
    EXPECT_EQ(out.rcpts[0].code, 'h');
  }
  {
    ScriptedServer s(Script{}, "421 4.3.2 busy\r\n");
    auto out = deliver(s, msg({"ok@r.test"}));
    EXPECT_TRUE(out.try_next);
    EXPECT_NE(out.error.find("421 4.3.2 busy"), std::string::npos) << out.error;
  }
  {
    ScriptedServer s(Script{{"MAIL", "553 5.1.8 bad sender\r\n"}});
    auto out = deliver(s, msg({"a@r.test", "b@r.test"}));
    EXPECT_EQ(out.final_code, 'D');
    ASSERT_EQ(out.rcpts.size(), 2u);
    EXPECT_EQ(out.rcpts[1].code, 'h');
  }
  {
    ScriptedServer s(Script{{"RCPT", "450 4.2.0 greylisted\r\n"}});
    auto out = deliver(s, msg({"a@r.test"}));
    EXPECT_EQ(out.final_code, 'Z');
    EXPECT_EQ(out.rcpts[0].code, 's');
    EXPECT_EQ(s.transcript.find("DATA"), std::string::npos);  // no DATA without a recipient
  }
}

TEST(SmtpClientSession, HeloFallbackAndExtensions) {
  ScriptedServer s(Script{{"EHLO", "502 5.5.1 what\r\n"}});
  Message m = msg({"a@r.test"});
  m.eight_bit = true;
  auto out = deliver(s, m);
  EXPECT_EQ(out.final_code, 'K') << out.error;
  EXPECT_NE(s.transcript.find("HELO localhost"), std::string::npos);
  EXPECT_NE(s.transcript.find("MAIL FROM:<a@example.test>\n"), std::string::npos) << s.transcript;
}

// An 8-bit body alone never asks for SMTPUTF8 (RFC 6531 is about addresses and header
// fields); a message that merely wants it goes out without it to a server that lacks it.
TEST(SmtpClientSession, SmtpUtf8OnlyWhenWanted) {
  const char* ehlo = "250-sink\r\n250-SMTPUTF8\r\n250 8BITMIME\r\n";
  {
    ScriptedServer s(Script{{"EHLO", ehlo}});
    Message m = msg({"a@r.test"});
    m.eight_bit = true;
    auto out = deliver(s, m);
    EXPECT_EQ(out.final_code, 'K') << out.error;
    EXPECT_NE(s.transcript.find("MAIL FROM:<a@example.test> BODY=8BITMIME\n"), std::string::npos) << s.transcript;
    EXPECT_EQ(s.transcript.find("SMTPUTF8"), std::string::npos) << s.transcript;
  }
  {
    ScriptedServer s(Script{{"EHLO", ehlo}});
    Message m = msg({"a@r.test"});
    m.wants_smtputf8 = true;
    auto out = deliver(s, m);
    EXPECT_NE(s.transcript.find("MAIL FROM:<a@example.test> SMTPUTF8\n"), std::string::npos) << s.transcript;
  }
  {
    ScriptedServer s(Script{{"EHLO", "250-sink\r\n250 8BITMIME\r\n"}});
    Message m = msg({"a@r.test"});
    m.wants_smtputf8 = m.eight_bit = true;
    auto out = deliver(s, m);
    EXPECT_EQ(out.final_code, 'K') << out.error;
    EXPECT_FALSE(out.permanent_error);
    EXPECT_EQ(s.transcript.find("SMTPUTF8"), std::string::npos) << s.transcript;
  }
}

TEST(SmtpClientSession, SmtpUtf8AndSize) {
  {
    ScriptedServer s(Script{{"EHLO", "250-sink\r\n250 8BITMIME\r\n"}});
    Message m = msg({"j\xc3\xb6rg@r.test"});
    m.needs_smtputf8 = true;
    auto out = deliver(s, m);
    EXPECT_TRUE(out.permanent_error);
    EXPECT_NE(out.error.find("SMTPUTF8"), std::string::npos);
    EXPECT_EQ(s.transcript.find("MAIL"), std::string::npos);
  }
  {
    ScriptedServer s(Script{{"EHLO", "250-sink\r\n250-SMTPUTF8\r\n250-SIZE 1000\r\n250 8BITMIME\r\n"}});
    Message m = msg({"j\xc3\xb6rg@r.test"});
    m.needs_smtputf8 = m.eight_bit = true;
    auto out = deliver(s, m);
    EXPECT_EQ(out.final_code, 'K') << out.error;
    EXPECT_NE(s.transcript.find(" BODY=8BITMIME SMTPUTF8"), std::string::npos) << s.transcript;
    EXPECT_NE(s.transcript.find("SIZE="), std::string::npos);
  }
  {
    ScriptedServer s(Script{{"EHLO", "250-sink\r\n250 SIZE 10\r\n"}});
    auto out = deliver(s, msg({"a@r.test"}));
    EXPECT_TRUE(out.permanent_error);
    EXPECT_NE(out.error.find("5.3.4"), std::string::npos);
  }
}

TEST(SmtpClientSession, TlsRequiredButNotOffered) {
  ScriptedServer s(Script{});
  auto ctx = TlsClientContext::create();
  ASSERT_TRUE(ctx);
  SessionOptions o;
  o.policy = TlsPolicy::kEncrypt;
  o.tls = &*ctx;
  auto out = deliver(s, msg({"a@r.test"}), o);
  EXPECT_TRUE(out.try_next);
  EXPECT_NE(out.error.find("does not offer STARTTLS"), std::string::npos);
  EXPECT_EQ(s.transcript.find("MAIL"), std::string::npos);
}

TEST(SmtpClientSession, AuthPlainAndLogin) {
  {
    ScriptedServer s(Script{{"EHLO", "250-sink\r\n250 AUTH LOGIN PLAIN\r\n"}, {"AUTH", "235 2.7.0 ok\r\n"}});
    SessionOptions o;
    o.credentials = Credentials{"u", "p"};
    o.allow_plaintext_auth = true;
    auto out = deliver(s, msg({"a@r.test"}), o);
    EXPECT_EQ(out.final_code, 'K') << out.error;
    EXPECT_NE(s.transcript.find("AUTH PLAIN AHUAcA=="), std::string::npos) << s.transcript;
  }
  {
    ScriptedServer s(Script{{"EHLO", "250-sink\r\n250 AUTH PLAIN\r\n"}, {"AUTH", "535 5.7.8 no\r\n"}});
    SessionOptions o;
    o.credentials = Credentials{"u", "p"};
    o.allow_plaintext_auth = true;
    auto out = deliver(s, msg({"a@r.test"}), o);
    EXPECT_TRUE(out.try_next);
    EXPECT_NE(out.error.find("535"), std::string::npos);
  }
  {
    ScriptedServer s(Script{{"EHLO", "250-sink\r\n250 AUTH PLAIN\r\n"}});
    SessionOptions o;
    o.credentials = Credentials{"u", "p"};
    auto out = deliver(s, msg({"a@r.test"}), o);  // no TLS, not allowed in plain text
    EXPECT_TRUE(out.try_next);
    EXPECT_EQ(s.transcript.find("AUTH"), std::string::npos);
  }
}

// Per-address slots: a limit of 2 gives two slots at once, the third waits and times out,
// a freed slot is taken again; limit 0 means no limit.
TEST(SmtpClientHostSlot, LimitWaitAndRelease) {
  char tmpl[] = "/tmp/posta-hostslot.XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::string dir = std::string(tmpl) + "/slots";
  std::string note;
  auto a = posta::smtpc::HostSlot::acquire(dir, "192.0.2.1", 25, 2, std::chrono::milliseconds(100), note);
  ASSERT_TRUE(a);
  auto b = posta::smtpc::HostSlot::acquire(dir, "192.0.2.1", 25, 2, std::chrono::milliseconds(100), note);
  ASSERT_TRUE(b);
  EXPECT_NE(a->index(), b->index());
  // flock locks belong to the open file description: a second open in the same process
  // conflicts like another process would
  auto c = posta::smtpc::HostSlot::acquire(dir, "192.0.2.1", 25, 2, std::chrono::milliseconds(300), note);
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().what.find("busy"), std::string::npos);
  auto other = posta::smtpc::HostSlot::acquire(dir, "192.0.2.2", 25, 2, std::chrono::milliseconds(100), note);
  EXPECT_TRUE(other);  // another address has its own slots
  int freed = a->index();
  a = posta::smtpc::HostSlot::acquire(dir, "192.0.2.9", 25, 0, std::chrono::milliseconds(0), note);  // drops the slot
  ASSERT_TRUE(a);
  EXPECT_EQ(a->index(), -1);
  auto d = posta::smtpc::HostSlot::acquire(dir, "192.0.2.1", 25, 2, std::chrono::milliseconds(100), note);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->index(), freed);
  EXPECT_TRUE(note.empty());
  std::string cmd = std::string("rm -rf ") + tmpl;
  EXPECT_EQ(std::system(cmd.c_str()), 0);
}

TEST(SmtpClientSession, TwoTransactionsOnOneConnection) {
  ScriptedServer s(Script{{"EHLO", "250-sink\r\n250 PIPELINING\r\n"}, {".", "250 2.0.0 queued\r\n"}});
  auto c = Connection::connect("127.0.0.1", s.port(), 2s);
  ASSERT_TRUE(c);
  SessionOptions o;
  o.timeouts.set_all(2s);
  Session session(*c, o);
  Outcome first, second;
  ASSERT_TRUE(session.open(first)) << first.error;
  session.transaction(msg({"a@r.test"}), first);
  EXPECT_EQ(first.final_code, 'K');
  ASSERT_TRUE(session.reusable());
  EXPECT_TRUE(c->quiet());
  session.transaction(msg({"b@r.test"}), second);
  EXPECT_EQ(second.final_code, 'K');
  EXPECT_EQ(second.rcpts.at(0).code, 'r');
  session.quit();
  EXPECT_FALSE(session.reusable());
  session.quit();  // once only
  // the server hung up after 221: the end of file makes the connection not quiet
  bool closed = false;
  for (int i = 0; i < 200 && !closed; ++i, std::this_thread::sleep_for(10ms)) closed = !c->quiet();
  EXPECT_TRUE(closed);
  EXPECT_EQ(s.transcript,
            "EHLO localhost\nMAIL FROM:<a@example.test>\nRCPT TO:<a@r.test>\nDATA\n"
            "MAIL FROM:<a@example.test>\nRCPT TO:<b@r.test>\nDATA\nQUIT\n");
}

TEST(SmtpClientSession, NotReusableAfterTemporaryFailure) {
  ScriptedServer s(Script{{".", "451 4.3.0 try again\r\n"}});
  auto c = Connection::connect("127.0.0.1", s.port(), 2s);
  ASSERT_TRUE(c);
  SessionOptions o;
  o.timeouts.set_all(2s);
  Session session(*c, o);
  Outcome out;
  ASSERT_TRUE(session.open(out));
  session.transaction(msg({"a@r.test"}), out);
  EXPECT_EQ(out.final_code, 'Z');
  EXPECT_FALSE(session.reusable());
  EXPECT_NE(s.transcript.find("QUIT"), std::string::npos);  // already said goodbye
}
