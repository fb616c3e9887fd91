// The client side of posta-queued (queued_proto.h): hand one message's fds to the resident
// queue writer instead of running posta-queue. The injection client (inject.h) uses it.
#pragma once
#include <string>
#include <vector>

#include "base/error.h"
#include "io/fd.h"
#include "queue/queued_proto.h"

namespace posta::queue {

// $POSTA_HOME/run/queue.sock
std::string queued_socket(const std::string& home);
// $POSTA_HOME/run/spamcheck.sock: posta-spamcheck serve, the resident content filter
std::string filter_socket(const std::string& home);

// What posta-queue would get as fds 0, 1, 6 and 7.
struct QueuedFds {
  int message, envelope, custom, id;
};

// Connects to socket, sends the frame of env ("NAME=value", as for posta-queue; TCPREMOTEIP
// is added from our environment) with the four fds, and waits up to timeout_ms for the
// daemon to take the job (kind: kFilterFrame for posta-spamcheck serve, which takes the
// same four fds and answers the same way). The connection on success; an error means the daemon did not take
// it (down, busy, hung up), so the caller may run posta-queue instead: once the caller has
// closed its ends of the pipes, nothing of this job can be queued.
[[nodiscard]] Result<Fd> hand_to_queued(const std::string& socket, std::vector<std::string> env,
                                        const QueuedFds& fds, int timeout_ms, const FrameKind& kind = kQueuedFrame);

// Blocks for the daemon's "exit N\n" and its end of file: N, posta-queue's exit code. An
// error when it hung up first or answered something else.
[[nodiscard]] Result<int> wait_queued_exit(int conn);

}  // namespace posta::queue
