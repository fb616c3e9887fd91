// A UDP socket bound to 127.0.0.1 on a free port: the fake DNS servers of the unit tests
// listen on one (never the system resolver), and wake their thread with send_to_self.
#pragma once
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <string_view>

#include "io/fd.h"

namespace posta::testing {

struct UdpLoopback {
  UdpLoopback() {
    fd.reset(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    sockaddr_in a = address(0);
    EXPECT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    socklen_t l = sizeof a;
    ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&a), &l);
    port = ntohs(a.sin_port);
  }
  static sockaddr_in address(int port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<uint16_t>(port));
    return a;
  }
  // A datagram to the socket from another one (wakes a thread blocked in recvfrom).
  void send_to_self(std::string_view data) const {
    Fd s(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    sockaddr_in a = address(port);
    ::sendto(s.get(), data.data(), data.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
  }

  Fd fd;
  int port = 0;
};

}  // namespace posta::testing
