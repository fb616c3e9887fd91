// posta-tcpd: the listening socket and starting one child per connection.
#pragma once
#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

#include "base/error.h"
#include "io/fd.h"
#include "net/address.h"

namespace posta::tcpd {

// socket, SO_REUSEADDR, bind, listen; non-blocking and close-on-exec. "::" is dual stack.
[[nodiscard]] Result<Fd> listen_on(const std::string& host, const std::string& port, int backlog);

// The environment of every child: ours without PROTO/TCP* names, then the connection's.
class ChildEnv {
 public:
  ChildEnv();  // snapshots environ
  std::vector<std::string> build(const net::Endpoint& local, const net::Endpoint& remote,
                                 const std::vector<std::pair<std::string, std::string>>& rule_env) const;

 private:
  std::vector<std::string> base_;
};

// posix_spawnp(argv) with the socket on fds 0 and 1, default signals, an empty mask.
// An error (e.g. the program cannot be executed) leaves no child behind.
[[nodiscard]] Result<pid_t> spawn_child(const std::vector<std::string>& argv,
                                        const std::vector<std::string>& env, int sock);

}  // namespace posta::tcpd
