// lib/net/reuse: the posta-tcpd -R control protocol.
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <unistd.h>

#include "net/fdpass.h"
#include "net/reuse.h"

using namespace posta::net;

TEST(NetReuse, RecordRoundTrip) {
  std::vector<std::string> env{"PROTO=TCP", "RELAYCLIENT=", "GREETING=a=b c"};
  auto r = encode_conn_record(env);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, std::string("posta-conn 1\0PROTO=TCP\0RELAYCLIENT=\0GREETING=a=b c\0", 51));
  auto back = decode_conn_record(*r);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, env);
  auto empty = decode_conn_record(*encode_conn_record({}));
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
}

TEST(NetReuse, RejectsBadEntriesAndRecords) {
  EXPECT_FALSE(encode_conn_record({"NOEQUALS"}));
  EXPECT_FALSE(encode_conn_record({"=value"}));
  EXPECT_FALSE(encode_conn_record({std::string("A=b\0c", 5)}));
  EXPECT_FALSE(encode_conn_record({"A=" + std::string(kMaxConnRecord, 'x')}));
  EXPECT_FALSE(decode_conn_record(""));
  EXPECT_FALSE(decode_conn_record(std::string("posta-conn 2\0A=b\0", 17)));
  EXPECT_FALSE(decode_conn_record(std::string("posta-conn 1\0A=b", 16)));  // unterminated
  EXPECT_FALSE(decode_conn_record(std::string("posta-conn 1\0\0", 14)));   // empty entry
  EXPECT_FALSE(decode_conn_record(std::string("posta-conn 1\0noequals\0", 22)));
}

TEST(NetReuse, OverlayReplacesNamesAndKeepsTheRest) {
  std::vector<std::string> base{"PATH=/bin", "POSTA_QUEUE=/q", "HOME=/h"};
  auto env = overlay_env(base, {"POSTA_QUEUE=/other", "TCPREMOTEIP=127.0.0.1"});
  EXPECT_EQ(env, (std::vector<std::string>{"PATH=/bin", "HOME=/h", "POSTA_QUEUE=/other",
                                           "TCPREMOTEIP=127.0.0.1"}));
  // a name that is a prefix of another is a different name
  EXPECT_EQ(overlay_env({"AB=1", "A=2"}, {"A=3"}), (std::vector<std::string>{"AB=1", "A=3"}));
}

TEST(NetReuse, PassesTheConnectionAndItsVariables) {
  auto pair = socket_pair(SOCK_SEQPACKET);
  ASSERT_TRUE(pair);
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  posta::Fd r(p[0]), w(p[1]);
  ASSERT_TRUE(send_conn(pair->first.get(), w.get(), {"TCPREMOTEIP=::1", "RELAYCLIENT="}));
  auto got = recv_conn(pair->second.get());
  ASSERT_TRUE(got) << got.error().what;
  EXPECT_EQ(got->env, (std::vector<std::string>{"TCPREMOTEIP=::1", "RELAYCLIENT="}));
  ASSERT_EQ(::write(got->sock.get(), "x", 1), 1);
  char c = 0;
  ASSERT_EQ(::read(r.get(), &c, 1), 1);
  EXPECT_EQ(c, 'x');
  // a record without a connection is refused; end of file is code 0
  ASSERT_EQ(::send(pair->first.get(), "posta-conn 1\0", 13, 0), 13);
  EXPECT_FALSE(recv_conn(pair->second.get()));
  pair->first.reset();
  auto eof = recv_conn(pair->second.get());
  ASSERT_FALSE(eof);
  EXPECT_EQ(eof.error().code, 0);
}
