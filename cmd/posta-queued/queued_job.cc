// One connection of posta-queued: the frame and its four fds, then the same writing as
// posta-queue (lib/queue/writer), then the exit code.
#include <sys/socket.h>
#include <unistd.h>

#include "base/exitcode.h"
#include "control/control.h"
#include "log/log.h"
#include "queue/queued_proto.h"
#include "queue/queued_server.h"
#include "queue/writer.h"
#include "queued.h"

namespace posta::queued {

void serve(const Context& ctx, Fd conn, net::PeerCred cred) {
  timeval t{ctx.timeout, 0};
  (void)::setsockopt(conn.get(), SOL_SOCKET, SO_RCVTIMEO, &t, sizeof t);
  net::Passed got;
  auto req = queue::receive_job(conn.get(), got, queue::kQueuedFrame);
  if (!req) {
    if (req.error().what != "end of file")
      log::warning("refused a frame from uid ", cred.uid, ": ", log::printable(req.error().what, 200));
    return;
  }
  if (!queue::answer(conn.get(), queue::kQueuedAccepted)) return;  // the client gave up: its pipes close
  queue::Injection in;
  in.message_fd = got.fds[0].get();
  in.envelope_fd = got.fds[1].get();
  in.custom_fd = got.fds[2].get();
  in.id_fd = got.fds[3].get();
  queue::set_caller(in, cred.uid, ctx.system);
  in.writer_pid = ::getpid();
  req->apply(in);
  auto journal = queue::load_journal(ctx.home);
  auto out = queue::write_message(ctx.spool, Control(ctx.home).number("databytes", 0), in, &journal);
  if (out.abandoned) log::info(out.message, ", nothing queued");
  else if (out.code != kQueueOk) log::warning(out.message.substr(out.code == kQueueCustomMessage ? 1 : 0));
  // ours closed first: the client reads fd 6 and the id pipe to their end after the answer
  got.fds.clear();
  (void)queue::answer(conn.get(), queue::encode_queued_exit(out.code));
}

}  // namespace posta::queued
