#include "queue/queued_server.h"

#include <fcntl.h>
#include <sys/socket.h>

#include <string>

namespace posta::queue {
namespace {

bool opened_for(int fd, bool write) {
  int fl = ::fcntl(fd, F_GETFL);
  if (fl < 0) return false;
  int mode = fl & O_ACCMODE;
  return mode == O_RDWR || mode == (write ? O_WRONLY : O_RDONLY);
}

}  // namespace

Result<QueuedRequest> receive_job(int conn, net::Passed& got, const FrameKind& kind) {
  auto p = net::recv_fds(conn, kind.max);
  if (!p) return std::unexpected(p.error());
  got = std::move(*p);
  if (got.fds.size() != kQueuedFds)
    return fail(std::to_string(got.fds.size()) + " fds instead of " + std::to_string(kQueuedFds));
  if (!opened_for(got.fds[0].get(), false) || !opened_for(got.fds[1].get(), false) ||
      !opened_for(got.fds[2].get(), true) || !opened_for(got.fds[3].get(), true))
    return fail("fds not open for reading, reading, writing, writing");
  return parse_queued_frame(got.header, kind);
}

bool answer(int conn, std::string_view text) {
  return ::send(conn, text.data(), text.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(text.size());
}

}  // namespace posta::queue
