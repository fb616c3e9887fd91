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
  // The connection's own variables: PROTO, TCP*, then what the rule sets.
  std::vector<std::string> connection(const net::Endpoint& local, const net::Endpoint& remote,
                                      const std::vector<std::pair<std::string, std::string>>& rule_env) const;
  // Ours, with conn on top (replacing the names it sets).
  std::vector<std::string> with(const std::vector<std::string>& conn) const;
  const std::vector<std::string>& base() const { return base_; }

 private:
  std::vector<std::string> base_;
};

// posix_spawnp(argv) with the socket on fds 0 and 1 (and control, when not -1, on fd 3),
// default signals, an empty mask. An error (e.g. the program cannot be executed) leaves no
// child behind.
[[nodiscard]] Result<pid_t> spawn_child(const std::vector<std::string>& argv,
                                        const std::vector<std::string>& env, int sock,
                                        int control = -1);

}  // namespace posta::tcpd
