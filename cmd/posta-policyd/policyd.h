// posta-policyd: the resident keeper of the greylist and the rate counters. It alone joins
// the Berkeley DB environment $POSTA_HOME/policy/db and answers posta-smtpd's requests on a
// unix socket (lib/policy/policy_proto.h). See man/posta-policyd.8.
#pragma once
#include <optional>
#include <string>

namespace posta::policyd {

struct Options {
  std::string socket;            // -D
  std::string group;             // -G: group that may connect (mode 0660); else 0600
  std::optional<int> notify_fd;  // -d
  int max_clients = 512;         // -c: connections at once
  int idle = 900;                // -t: seconds a connection may stay idle
};

// policyd_run.cc
int run(const Options& o);

}  // namespace posta::policyd
