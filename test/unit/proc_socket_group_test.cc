// Unit tests of lib/proc/socket_group: the -G option of the unix-socket daemons.
#include <gtest/gtest.h>

#include "proc/socket_group.h"

TEST(SocketGroup, NoneGivenKnownAndUnknown) {
  auto none = posta::socket_group("");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
  auto root = posta::socket_group("root");
  ASSERT_TRUE(root) << root.error().what;
  EXPECT_EQ(root->value(), 0u);
  EXPECT_FALSE(posta::socket_group("no-such-group-posta-unit"));
}
