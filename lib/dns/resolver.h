// A small stub resolver: queries go to the servers in control/resolvers (one "ip",
// "ip:port" or "[ipv6]:port" a line), else the nameserver lines of /etc/resolv.conf.
// Queries of one batch run concurrently on a libevent loop over UDP (EDNS0), falling back
// to TCP for truncated answers; every query has a timeout and a bounded number of tries.
#pragma once
#include <sys/socket.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "base/error.h"
#include "control/control.h"
#include "dns/wire.h"

namespace posta::dns {

struct Server {
  sockaddr_storage addr{};
  socklen_t len = 0;
  std::string text;  // as configured
};

// "1.2.3.4", "1.2.3.4:5353", "::1", "[::1]:5353".
[[nodiscard]] Result<Server> parse_server(const std::string& s);
// control/resolvers when present, else /etc/resolv.conf (resolv_conf is for tests).
[[nodiscard]] Result<std::vector<Server>> configured_servers(
    const Control& control, const std::string& resolv_conf = "/etc/resolv.conf");

enum class QueryStatus { kOk, kNoData, kNxDomain, kTempFail };
const char* status_name(QueryStatus s);

struct Answer {
  QueryStatus status = QueryStatus::kTempFail;
  std::vector<Record> records;  // only records of the asked type
  std::string error;            // for kTempFail
};

struct Question {
  std::string name;
  uint16_t type = kA;
};

class Resolver {
 public:
  Resolver(std::vector<Server> servers, std::chrono::milliseconds timeout, int tries = 2)
      : servers_(std::move(servers)), timeout_(timeout), tries_(tries) {}
  // From control/resolvers (or resolv.conf) and control/timeoutdns (seconds, default 5).
  [[nodiscard]] static Result<Resolver> from_control(const Control& control);

  // All questions at once; answers in the same order.
  std::vector<Answer> query_all(const std::vector<Question>& qs) const;
  Answer query(const std::string& name, uint16_t type) const;

 private:
  std::vector<Server> servers_;
  std::chrono::milliseconds timeout_;
  int tries_;
};

// Decides what a parsed response means for the question.
Answer interpret(const Response& r, uint16_t type);

}  // namespace posta::dns
