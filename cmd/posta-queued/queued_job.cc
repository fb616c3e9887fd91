// One connection of posta-queued: the frame and its four fds, then the same writing as
// posta-queue (lib/queue/writer), then the exit code.
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/exitcode.h"
#include "control/control.h"
#include "log/log.h"
#include "queue/queued_proto.h"
#include "queue/writer.h"
#include "queued.h"

namespace posta::queued {
namespace {

bool opened_for(int fd, bool write) {
  int fl = ::fcntl(fd, F_GETFL);
  if (fl < 0) return false;
  int mode = fl & O_ACCMODE;
  return mode == O_RDWR || mode == (write ? O_WRONLY : O_RDONLY);
}

// The frame and fds as the protocol wants them, else why not.
Result<queue::QueuedRequest> receive(int conn, net::Passed& got) {
  auto p = net::recv_fds(conn);
  if (!p) return std::unexpected(p.error());
  got = std::move(*p);
  if (got.fds.size() != queue::kQueuedFds)
    return fail(std::to_string(got.fds.size()) + " fds instead of " + std::to_string(queue::kQueuedFds));
  if (!opened_for(got.fds[0].get(), false) || !opened_for(got.fds[1].get(), false) ||
      !opened_for(got.fds[2].get(), true) || !opened_for(got.fds[3].get(), true))
    return fail("fds not open for reading, reading, writing, writing");
  return queue::parse_queued_frame(got.header);
}

bool say(int conn, std::string_view text) {
  return ::send(conn, text.data(), text.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(text.size());
}

}  // namespace

void serve(const Context& ctx, Fd conn, net::PeerCred cred) {
  timeval t{ctx.timeout, 0};
  (void)::setsockopt(conn.get(), SOL_SOCKET, SO_RCVTIMEO, &t, sizeof t);
  net::Passed got;
  auto req = receive(conn.get(), got);
  if (!req) {
    if (req.error().what != "end of file")
      log::warning("refused a frame from uid ", cred.uid, ": ", log::printable(req.error().what, 200));
    return;
  }
  if (!say(conn.get(), queue::kQueuedAccepted)) return;  // the client gave up: its pipes close
  queue::Injection in;
  in.message_fd = got.fds[0].get();
  in.envelope_fd = got.fds[1].get();
  in.custom_fd = got.fds[2].get();
  in.id_fd = got.fds[3].get();
  queue::set_caller(in, cred.uid, ctx.system);
  in.writer_pid = ::getpid();
  req->apply(in);
  auto out = queue::write_message(ctx.spool, Control(ctx.home).number("databytes", 0), in);
  if (out.abandoned) log::info(out.message, ", nothing queued");
  else if (out.code != kQueueOk) log::warning(out.message.substr(out.code == kQueueCustomMessage ? 1 : 0));
  // ours closed first: the client reads fd 6 and the id pipe to their end after the answer
  got.fds.clear();
  (void)say(conn.get(), queue::encode_queued_exit(out.code));
}

}  // namespace posta::queued
