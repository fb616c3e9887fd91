// The common loop of posta-lspawn and posta-rspawn: read delivery requests (pipe_proto.h)
// on fd 0, run one delivery agent per request with the message (queue/mess/<id>) on its fd 0
// and a pipe on its fd 1, answer each request on fd 1 when its agent exits. On end of file
// on fd 0 (posta-send gone) the agents in flight are waited for, then the spawn exits.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "proc/child.h"
#include "queue/pipe_proto.h"
#include "queue/spool.h"

namespace posta::queue {

struct AgentCommand {
  std::vector<std::string> argv;
  std::vector<std::string> env;  // added to the agent's environment
  std::string refuse;            // non-empty: do not run, answer 's' with this reason
};

struct SpawnerHooks {
  std::function<AgentCommand(const DeliveryRequest&)> command;
  // Turns the agent's exit status and its fd 1 output into the answer.
  std::function<DeliveryResult(const DeliveryRequest&, const ExitStatus&, const std::string& out)> result;
};

// Runs until fd 0 ends; returns an exit code (0, or 111 after a protocol error). The caller
// has started the daemon skeleton (daemon/daemon.h), so SIGPIPE is ignored.
int run_spawner(const Spool& spool, const SpawnerHooks& hooks);

// A result with the same status and text for every recipient of the request.
DeliveryResult uniform_result(const DeliveryRequest& r, char final, const std::string& text);
// The first line of an agent's output, trimmed and printable (for reasons).
std::string first_line(const std::string& out);

}  // namespace posta::queue
