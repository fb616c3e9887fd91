#include "queue/queued_client.h"

#include <poll.h>
#include <unistd.h>

#include <cstdlib>

#include "net/fdpass.h"
#include "queue/queued_proto.h"

namespace posta::queue {
namespace {

// Reads until end of file or max bytes; timeout_ms < 0 waits for ever.
Result<std::string> read_answer(int fd, size_t max, int timeout_ms) {
  std::string got;
  char buf[64];
  while (got.size() < max) {
    pollfd p{fd, POLLIN, 0};
    int r = ::poll(&p, 1, timeout_ms);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return fail_sys("poll");
    if (r == 0) return fail("no answer from posta-queued within " + std::to_string(timeout_ms) + " ms", 0);
    ssize_t n = ::read(fd, buf, std::min(sizeof buf, max - got.size()));
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n < 0) return fail_sys("unable to read from posta-queued");
    if (n == 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  return got;
}

}  // namespace

std::string queued_socket(const std::string& home) { return home + "/run/queue.sock"; }
std::string filter_socket(const std::string& home) { return home + "/run/spamcheck.sock"; }

Result<Fd> hand_to_queued(const std::string& socket, std::vector<std::string> env, const QueuedFds& fds,
                          int timeout_ms, const FrameKind& kind) {
  if (const char* ip = std::getenv("TCPREMOTEIP")) env.push_back(std::string("TCPREMOTEIP=") + ip);
  auto frame = encode_queued_frame(env, kind);
  if (!frame) return std::unexpected(frame.error());
  auto conn = net::connect_unix(socket);
  if (!conn) return conn;
  if (auto s = net::send_fds(conn->get(), *frame, {fds.message, fds.envelope, fds.custom, fds.id}, 0, kind.max); !s)
    return std::unexpected(s.error());
  auto ack = read_answer(conn->get(), kQueuedAccepted.size(), timeout_ms);
  if (!ack) return std::unexpected(ack.error());
  if (*ack != kQueuedAccepted) return fail("posta-queued did not take the message", 0);
  return conn;
}

Result<int> wait_queued_exit(int conn) {
  auto reply = read_answer(conn, 16, -1);
  if (!reply) return std::unexpected(reply.error());
  if (reply->empty()) return fail("posta-queued hung up before its answer", 0);
  return parse_queued_exit(*reply);
}

}  // namespace posta::queue
