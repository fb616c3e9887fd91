// lib/net CidrList: control/trustednets.
#include <gtest/gtest.h>

#include "net/cidr_list.h"

using namespace posta;
using namespace posta::net;

TEST(NetCidrList, ParseAndContains) {
  auto l = CidrList::parse({"10.0.0.0/8", "192.0.2.7", "2001:db8::/32", "172.16."});
  ASSERT_TRUE(l);
  EXPECT_TRUE(l->contains(*parse_ip("10.1.2.3")));
  EXPECT_TRUE(l->contains(*parse_ip("::ffff:10.1.2.3")));
  EXPECT_TRUE(l->contains(*parse_ip("192.0.2.7")));
  EXPECT_FALSE(l->contains(*parse_ip("192.0.2.8")));
  EXPECT_TRUE(l->contains(*parse_ip("2001:db8:1::1")));
  EXPECT_TRUE(l->contains(*parse_ip("172.16.9.9")));
  EXPECT_FALSE(l->contains(*parse_ip("127.0.0.1")));
  auto empty = CidrList::parse({});
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
  EXPECT_FALSE(empty->contains(*parse_ip("127.0.0.1")));
  auto bad = CidrList::parse({"10.0.0.0/8", "10.0.0.0/33"});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().what, "not a network: 10.0.0.0/33");
}
