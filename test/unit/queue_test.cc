#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "io/fd.h"
#include "log/log.h"
#include "queue/control_proto.h"
#include "queue/envelope.h"
#include "queue/pipe_proto.h"
#include "queue/rcptstate.h"
#include "queue/spool.h"

using namespace posta;
using namespace posta::queue;
using namespace std::string_literals;

namespace {
std::string qtmpdir() {
  char t[] = "/tmp/posta-qunit.XXXXXX";
  return ::mkdtemp(t);
}
}  // namespace

TEST(QueueId, MakeParseValidate) {
  auto id = make_id(0x6956A180, 0xA2F3, 4242);
  EXPECT_EQ(id, "6956A1800A2F3.4242");
  EXPECT_TRUE(valid_id(id));
  EXPECT_EQ(id_pid(id), 4242);
  EXPECT_EQ(id_time(id), 0x6956A180);
  for (auto bad : {"", "6956A1800A2F3", "6956A1800A2F3.", "6956a1800A2F3.1", "6956A1800A2F3.01",
                   "6956A1800A2F3.1x", "../../etc/pass.1", "6956A1800A2F3.12345678901", ".tmp.1.2"})
    EXPECT_FALSE(valid_id(bad)) << bad;
}

TEST(QueueEnvelope, PlainQmailEnvelope) {
  auto e = parse_injected("Fa@b.example\0Tc@d.example\0Te@f.example\0\0"s);
  ASSERT_TRUE(e) << e.error().what;
  EXPECT_EQ(e->sender, "a@b.example");
  ASSERT_EQ(e->recipients.size(), 2u);
  EXPECT_EQ(e->recipients[1].address, "e@f.example");
  EXPECT_EQ(encode_injected(*e), "Fa@b.example\0Tc@d.example\0Te@f.example\0\0"s);
}

TEST(QueueEnvelope, NullSenderAndDsnItems) {
  auto e = parse_injected("F\0Tc@d\0Nsuccess,failure\0Orfc822;C@D\0Tx@y\0NNEVER\0\0"s);
  ASSERT_TRUE(e) << e.error().what;
  EXPECT_EQ(e->sender, "");
  EXPECT_EQ(e->recipients[0].notify, "SUCCESS,FAILURE");
  EXPECT_EQ(e->recipients[0].orcpt, "rfc822;C@D");
  EXPECT_EQ(e->recipients[1].notify, "NEVER");
  auto again = parse_injected(encode_injected(*e));
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *e);
}

TEST(QueueEnvelope, Malformed) {
  struct Case { std::string in; int code; };
  std::vector<Case> cases = {
      {""s, 91},                                  // nothing
      {"\0"s, 91},                                // no F
      {"Fa@b\0\0"s, 91},                          // no recipient
      {"Tc@d\0\0"s, 91},                          // no F
      {"Fa@b\0Tc@d\0"s, 91},                      // no final NUL
      {"Fa@b\0Tc@d"s, 91},                        // item without NUL
      {"Fa@b\0Tc@d\0\0junk"s, 91},                // trailing bytes
      {"Fa@b\0Tc@d\0\0\0"s, 91},                  // trailing NUL
      {"Fa@b\0T\0\0"s, 91},                       // empty recipient
      {"Fa@b\0Tc@\nd\0\0"s, 91},                  // control character
      {"Fa@b\0Nnever\0Tc@d\0\0"s, 91},            // N before any T
      {"Fa@b\0Tc@d\0Nbogus\0\0"s, 91},            // bad NOTIFY
      {"Fa@b\0Tc@d\0Nnever,success\0\0"s, 91},    // NEVER with others
      {"Fa@b\0Tc@d\0NNEVER\0NNEVER\0\0"s, 91},    // repeated
      {"Fa@b\0Tc@d\0Ono-semicolon\0\0"s, 91},     // bad ORCPT
      {"Fa@b\0Tc@d\0Fx@y\0\0"s, 91},              // second F
      {"Fa@b\0Zc@d\0\0"s, 91},                    // unknown tag
      {"F" + std::string(1001, 'a') + "\0Tc@d\0\0"s, 11},
      {"Fa@b\0T" + std::string(1001, 'a') + "\0\0"s, 11},
  };
  for (auto& c : cases) {
    auto e = parse_injected(c.in);
    EXPECT_FALSE(e) << c.in.size();
    if (!e) {
      EXPECT_EQ(e.error().code, c.code) << c.in.size();
    }
  }
}

TEST(QueueEnvelope, StoredRoundTrip) {
  Envelope e;
  e.sender = "a@b.example";
  e.recipients = {{"c@d.example", "DELAY", "rfc822;c@d.example"}, {"x@y.example", "", ""}};
  e.arrival = 1767225600;
  e.uid = 1000;
  e.pid = 4242;
  e.auth_user = "a@b.example";
  e.ret = "HDRS";
  e.envid = "QQ314159";
  e.body = "8BITMIME";
  e.smtputf8 = true;
  e.origin = Origin{Origin::Kind::kAuthenticated, "a@b.example"};
  auto s = encode_stored(e);
  auto back = parse_stored(s);
  ASSERT_TRUE(back) << back.error().what;
  EXPECT_EQ(*back, e);
  // minimal stored form
  Envelope m;
  m.recipients = {{"c@d", "", ""}};
  m.arrival = 1;
  m.uid = 0;
  m.pid = 2;
  ASSERT_TRUE(parse_stored(encode_stored(m)));
  EXPECT_EQ(*parse_stored(encode_stored(m)), m);
}

TEST(QueueEnvelope, StoredMalformed) {
  for (auto bad : {"Fa@b\0Tc@d\0\0"s, "V2\0t1\0u1\0p1\0Fa@b\0Tc@d\0\0"s, "V1\0t01\0u1\0p1\0Fa@b\0Tc@d\0\0"s,
                   "V1\0tx\0u1\0p1\0Fa@b\0Tc@d\0\0"s, "V1\0t1\0p1\0u1\0Fa@b\0Tc@d\0\0"s,
                   "V1\0t1\0u1\0p1\0RFOO\0Fa@b\0Tc@d\0\0"s, "V1\0t1\0u1\0p1\0Ex\0Ay\0Fa@b\0Tc@d\0\0"s,
                   "V1\0t1\0u1\0p1\0Fa@b\0Tc@d\0\0x"s})
    EXPECT_FALSE(parse_stored(bad)) << bad.size();
}

TEST(QueueEnvelope, OriginRoundTrip) {
  using K = Origin::Kind;
  for (auto o : {Origin{K::kNetwork, ""}, Origin{K::kAuthenticated, "ana@x.test"}, Origin{K::kLocal, "root"},
                 Origin{K::kLocal, "#1234"}, Origin{K::kForwarded, ""}, Origin{K::kBounce, ""},
                 Origin{K::kAuthenticated, "a:b c"}}) {
    auto text = encode_origin(o);
    auto back = parse_origin(text);
    ASSERT_TRUE(back) << text;
    EXPECT_EQ(*back, o) << text;
    // and inside a stored envelope, after the other optional items
    Envelope e;
    e.recipients = {{"c@d", "", ""}};
    e.arrival = 1;
    e.uid = 0;
    e.pid = 2;
    e.smtputf8 = true;
    e.origin = o;
    auto stored = parse_stored(encode_stored(e));
    ASSERT_TRUE(stored) << text;
    EXPECT_EQ(stored->origin, o);
  }
  EXPECT_EQ(encode_origin(Origin{}), "");
  EXPECT_EQ(encode_origin(Origin{K::kNetwork, ""}), "net");
  EXPECT_EQ(encode_origin(Origin{K::kAuthenticated, "ana@x.test"}), "auth:ana@x.test");
  EXPECT_EQ(encode_origin(Origin{K::kLocal, "ana"}), "local:ana");
}

TEST(QueueEnvelope, OriginMalformed) {
  for (auto bad : {""s, "auth:"s, "local:"s, "auth"s, "local"s, "net:1.2.3.4"s, "Net"s, "forward:x"s,
                   "bounce "s, " net"s, "remote:x"s, "auth:a\tb"s, "auth:a\x7f"s, "local:a\nb"s,
                   "auth:" + std::string(kMaxAddress + 1, 'a')})
    EXPECT_FALSE(parse_origin(bad)) << bad;
  EXPECT_TRUE(parse_origin("auth:" + std::string(kMaxAddress, 'a')));
  // in a stored envelope: bad value, repeated, out of order (before U), empty
  for (auto bad : {"V1\0t1\0u1\0p1\0onope\0Fa@b\0Tc@d\0\0"s, "V1\0t1\0u1\0p1\0onet\0onet\0Fa@b\0Tc@d\0\0"s,
                   "V1\0t1\0u1\0p1\0onet\0U1\0Fa@b\0Tc@d\0\0"s, "V1\0t1\0u1\0p1\0o\0Fa@b\0Tc@d\0\0"s})
    EXPECT_FALSE(parse_stored(bad)) << log::printable(bad);
  // an envelope from before origins: valid, origin unknown
  auto old = parse_stored("V1\0t1\0u1\0p1\0Fa@b\0Tc@d\0\0"s);
  ASSERT_TRUE(old);
  EXPECT_EQ(old->origin.kind, Origin::Kind::kUnknown);
  // the injection form never carries an origin: only the writer records one
  EXPECT_FALSE(parse_injected("Fa@b\0onet\0Tc@d\0\0"s));
  EXPECT_FALSE(parse_injected("onet\0Fa@b\0Tc@d\0\0"s));
}

TEST(QueueEnvelope, InjectedLength) {
  EXPECT_EQ(injected_length(""), 0u);
  EXPECT_EQ(injected_length("Fa\0Tb\0"s), 0u);
  EXPECT_EQ(injected_length("Fa\0Tb\0\0"s), 7u);
  EXPECT_EQ(injected_length("\0"s), 1u);
  EXPECT_EQ(injected_length("Fa\0Tb\0\0more"s), 7u);
}

TEST(QueueEnvelope, NotifyAndDomain) {
  EXPECT_EQ(canonical_notify("delay,Success"), "SUCCESS,DELAY");
  EXPECT_EQ(canonical_notify("never"), "NEVER");
  EXPECT_EQ(canonical_notify(""), "");
  EXPECT_EQ(canonical_notify("failure,failure"), "");
  EXPECT_TRUE(notify_has("", "FAILURE"));
  EXPECT_TRUE(notify_has("", "DELAY"));
  EXPECT_FALSE(notify_has("", "SUCCESS"));
  EXPECT_FALSE(notify_has("NEVER", "FAILURE"));
  EXPECT_TRUE(notify_has("SUCCESS,FAILURE", "FAILURE"));
  EXPECT_EQ(address_domain("User@Example.ORG"), "example.org");
  EXPECT_EQ(address_domain("a@b@c.example"), "c.example");
  EXPECT_EQ(address_domain("postmaster"), "");
}

TEST(QueueState, RecordRoundTrip) {
  std::vector<Record> recs = {
      {'L', 0, "a@b.example", 0, 0, ""},        {'X', 1, "c d@e.example", 0, 0, ""},
      {'D', 0, "", 100, 0, "ok delivered"},     {'P', 1, "", 101, 0, "550 no such user"},
      {'S', 1, "", 102, 160, "451 try later"},  {'B', 1, "", 103, 0, ""},
      {'W', 0, "", 104, 0, ""},                 {'H', 0, "", 105, 0, ""},
      {'U', 0, "", 106, 0, ""},                 {'D', 2, "", 107, 0, ""},
  };
  for (auto& r : recs) {
    auto line = encode_record(r);
    ASSERT_EQ(line.back(), '\n');
    auto back = parse_record(std::string_view(line).substr(0, line.size() - 1));
    ASSERT_TRUE(back) << line;
    EXPECT_EQ(*back, r) << line;
  }
  Record dirty{'S', 3, "", 1, 2, "line1\r\nline2\0"s};
  auto line = encode_record(dirty);
  EXPECT_EQ(line, "S 3 1 2 line1??line2?\n");
}

TEST(QueueState, RecordMalformed) {
  for (auto bad : {"", "D", "D ", "Q 1 2", "D x 1 r", "D 01 1 r", "S 1 2", "S 1 2 x r", "B 1", "B 1 2 3",
                   "W", "W 1 2", "L 1", "L x a@b", "D -1 2 r"})
    EXPECT_FALSE(parse_record(bad)) << bad;
}

TEST(QueueState, ApplyAndFinished) {
  std::string log = "posta-state 1\nL 0 a@x\nX 1 b@y\nS 1 10 70 451 later\nD 0 11 ok\n";
  auto m = parse_state(log);
  ASSERT_TRUE(m) << m.error().what;
  ASSERT_EQ(m->rcpts.size(), 2u);
  EXPECT_EQ(m->rcpts[0].status, RcptStatus::kDelivered);
  EXPECT_EQ(m->rcpts[1].status, RcptStatus::kPending);
  EXPECT_EQ(m->rcpts[1].attempts, 1);
  EXPECT_EQ(m->rcpts[1].next_try, 70);
  EXPECT_EQ(m->rcpts[1].reason, "451 later");
  EXPECT_FALSE(m->finished());
  log += "P 1 80 550 gone\n";
  m = parse_state(log);
  EXPECT_FALSE(m->finished());  // failure not reported yet
  log += "B 1 81\nW 82\nH 83\n";
  m = parse_state(log);
  EXPECT_TRUE(m->finished());
  EXPECT_TRUE(m->warned);
  EXPECT_TRUE(m->held);
  EXPECT_FALSE(parse_state("posta-state 2\n"));
  EXPECT_FALSE(parse_state("posta-state 1\nD 5 1 x\n"));  // unknown recipient
  EXPECT_FALSE(parse_state("posta-state 1\nL 0 a@x\nbogus\n"));
}

TEST(QueueState, TornTailIsRepaired) {
  auto d = qtmpdir();
  std::string p = d + "/s";
  ASSERT_TRUE(create_state(p, {{'L', 0, "a@x", 0, 0, ""}, {'L', 1, "b@x", 0, 0, ""}}));
  ASSERT_TRUE(append_state(p, {'D', 0, "", 5, 0, "delivered"}));
  {
    auto fd = open_fd(p, O_WRONLY | O_APPEND);
    ASSERT_TRUE(write_all(fd->get(), "D 1 6 half-writ"));
  }
  auto m = load_state(p);
  ASSERT_TRUE(m) << m.error().what;
  EXPECT_EQ(m->rcpts[0].status, RcptStatus::kDelivered);
  EXPECT_EQ(m->rcpts[1].status, RcptStatus::kPending);
  EXPECT_EQ(*read_file(p), "posta-state 1\nL 0 a@x\nL 1 b@x\nD 0 5 delivered\n");
  ASSERT_TRUE(append_state(p, {'D', 1, "", 7, 0, "ok"}));
  m = load_state(p);
  EXPECT_TRUE(m->finished());
  std::system(("rm -rf " + d).c_str());
}

TEST(QueuePipe, FrameReaderSplitsAndJoins) {
  std::string stream = frame("hello") + frame("") + frame("a\0b"s);
  FrameReader r;
  std::vector<std::string> got;
  for (char c : stream) {  // one byte at a time
    r.feed(std::string_view(&c, 1));
    for (;;) {
      auto f = r.next();
      ASSERT_TRUE(f);
      if (!*f) break;
      got.push_back(**f);
    }
  }
  EXPECT_EQ(got, (std::vector<std::string>{"hello", "", "a\0b"s}));
  EXPECT_EQ(r.buffered(), 0u);
}

TEST(QueuePipe, FrameReaderRejects) {
  for (auto bad : {"x:", "05:hello,", "5:hello;", ":,", "-1:,", "999999999:", "123456789"}) {
    FrameReader r;
    r.feed(bad);
    auto f = r.next();
    EXPECT_FALSE(f) << bad;
  }
  FrameReader big;
  big.feed(std::to_string(kMaxFrame + 1) + ":");
  EXPECT_FALSE(big.next());
}

TEST(QueuePipe, MessagesRoundTrip) {
  DeliveryRequest req{7, "6956A1800A2F3.4242", "", 1767225600, "example.org", {"POSTA_SMTPUTF8=1", "POSTA_BODY=8BITMIME"}, {"a@example.org", "b@example.org"}};
  auto rq = decode_request(encode(req));
  ASSERT_TRUE(rq);
  EXPECT_EQ(*rq, req);
  DeliveryResult res{7, 'K', "all done", {{'r', "250 ok"}, {'h', "550 no"}}};
  auto rs = decode_result(encode(res));
  ASSERT_TRUE(rs);
  EXPECT_EQ(*rs, res);
  DeliveryResult empty{9, 'Z', "", {}};
  EXPECT_EQ(*decode_result(encode(empty)), empty);
  CleanRequest cq{"6956A1800A2F3.4242"};
  EXPECT_EQ(*decode_clean_request(encode(cq)), cq);
  CleanResult cr{"6956A1800A2F3.4242", true, "removed"};
  EXPECT_EQ(*decode_clean_result(encode(cr)), cr);
}

TEST(QueuePipe, MessagesMalformed) {
  EXPECT_TRUE(decode_request("d\0001\0id\0s\0001\0h\0\0r"s));
  EXPECT_FALSE(decode_request("d\0001\0id\0s\0001\0h\0"s));               // no recipient
  EXPECT_FALSE(decode_request("d\0x\0id\0s\0001\0h\0\0r"s));             // bad slot
  EXPECT_FALSE(decode_request("d\0001\0id\0s\0001\0h\0\0"s));            // empty recipient
  EXPECT_FALSE(decode_request("d\0001\0id\0s\0001\0h\0noequals\0r"s));   // bad env
  EXPECT_FALSE(decode_request("r\0001\0id\0s\0001\0h\0\0r"s));           // wrong type
  EXPECT_FALSE(decode_result("r\0001\0Q\0text"s));                      // bad final
  EXPECT_FALSE(decode_result("r\0001\0K\0text\0xbad"s));                // bad rcpt status
  EXPECT_FALSE(decode_result("r\0001\0K"s));                            // missing text
  EXPECT_FALSE(decode_clean_request("c\0id\0extra"s));
  EXPECT_FALSE(decode_clean_result("c\0id\0002\0x"s));
  EXPECT_FALSE(decode_clean_result("c\0id\0001"s));
}

TEST(QueuePipe, AgentReport) {
  auto r = parse_agent_report("r250 ok\0h550 no\0Kdone\0"s, 2);
  EXPECT_EQ(r.final, 'K');
  EXPECT_EQ(r.text, "done");
  ASSERT_EQ(r.rcpts.size(), 2u);
  EXPECT_EQ(r.rcpts[1].status, 'h');
  EXPECT_EQ(r.rcpts[1].text, "550 no");
  auto shortr = parse_agent_report("r250 ok\0"s, 2);
  EXPECT_EQ(shortr.final, 'Z');
  EXPECT_EQ(shortr.rcpts[1].status, 's');
  auto torn = parse_agent_report("r250 ok\0h550 no\0Kdo"s, 2);
  EXPECT_EQ(torn.final, 'Z');
  auto none = parse_agent_report("", 1);
  EXPECT_EQ(none.final, 'Z');
  EXPECT_EQ(none.rcpts.size(), 1u);
  auto garbage = parse_agent_report("x\0y\0"s, 1);
  EXPECT_EQ(garbage.final, 'Z');
}

TEST(QueueControl, ParseAndEncode) {
  EXPECT_EQ(*parse_control("flush"), (ControlRequest{"flush", ""}));
  EXPECT_EQ(*parse_control("retry 6956A1800A2F3.4242"), (ControlRequest{"retry", "6956A1800A2F3.4242"}));
  EXPECT_EQ(encode_control({"hold", "6956A1800A2F3.4242"}), "hold 6956A1800A2F3.4242\n");
  for (auto bad : {"", "flush now", "flush ", "retry", "retry ../x", "nuke 6956A1800A2F3.4242",
                   "delete 6956A1800A2F3.4242 extra"})
    EXPECT_FALSE(parse_control(bad)) << bad;
  EXPECT_FALSE(parse_control(std::string(300, 'a')));
}

TEST(QueueSpool, EnsureListAndTrigger) {
  auto d = qtmpdir();
  Spool s(d + "/queue");
  ASSERT_TRUE(s.ensure());
  ASSERT_TRUE(s.ensure());  // idempotent
  struct stat st;
  ASSERT_EQ(::stat(s.trigger().c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  ASSERT_TRUE(write_file_atomic(s.todo("6956A1800A2F3.4242"), "x"));
  ASSERT_TRUE(write_file_atomic(s.todo("junk"), "x"));
  auto ids = s.list("todo");
  ASSERT_TRUE(ids);
  EXPECT_EQ(*ids, (std::vector<std::string>{"6956A1800A2F3.4242"}));
  pull_trigger(s);  // no reader: must not block
  std::system(("rm -rf " + d).c_str());
}
