// posta-remote -w: a worker of posta-rspawn that delivers one request after another and
// keeps the connection of a successful transaction open for the next (posta-remote(8),
// "WORKER MODE"). On fd 0 the requests of pipe_proto.h ("d" frames, as posta-send sends
// them to posta-rspawn); on fd 1 one frame per request: the kept connection's "ip:port"
// (empty when none), NUL, then the r/h/s + K/Z/D report of the argument mode. End of file
// on fd 0: QUIT on the kept connection, exit 0.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>

#include "base/exitcode.h"
#include "daemon/daemon.h"
#include "io/fd.h"
#include "log/log.h"
#include "proc/privilege.h"
#include "queue/pipe_proto.h"
#include "queue/spool.h"
#include "remote.h"

namespace posta::remote {
namespace {

bool has_env(const queue::DeliveryRequest& r, const std::string& entry) {
  return std::find(r.env.begin(), r.env.end(), entry) != r.env.end();
}

// The next request; nullopt at end of file; an error on a broken pipe or a bad frame.
Result<std::optional<queue::DeliveryRequest>> next_request(queue::FrameReader& reader) {
  for (;;) {
    auto f = reader.next();
    if (!f) return std::unexpected(f.error());
    if (*f) {
      auto req = queue::decode_request(**f);
      if (!req) return std::unexpected(req.error());
      return std::optional<queue::DeliveryRequest>(std::move(*req));
    }
    char buf[8192];
    ssize_t n = ::read(0, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(sys_error("read").what);
    if (n == 0) {
      if (reader.buffered()) return fail("end of file inside a request");
      return std::optional<queue::DeliveryRequest>();
    }
    reader.feed(std::string_view(buf, static_cast<size_t>(n)));
  }
}

Report deliver_request(const std::string& home, const queue::DeliveryRequest& req, KeptConnection& kept) {
  Job job;
  job.domain = lower(req.host);
  job.sender = req.sender;
  job.rcpts = req.rcpts;
  job.smtputf8 = has_env(req, "POSTA_SMTPUTF8=1");
  job.body_8bitmime = has_env(req, "POSTA_BODY=8BITMIME");
  for (auto& e : req.env)
    if (e.starts_with("POSTA_MESSAGE_ORIGIN=")) job.origin = e.substr(e.find('=') + 1);
  if (job.rcpts.empty()) return all_failed(0, 'Z', "request without recipients");
  std::string path = queue::Spool::from_home(home).mess(req.id);
  auto fd = open_fd(path, O_RDONLY);
  if (!fd) return all_failed(job.rcpts.size(), 'Z', "unable to open the message: " + fd.error().what);
  auto raw = read_all(fd->get(), 512 << 20);
  if (!raw) return all_failed(job.rcpts.size(), 'Z', "unable to read the message: " + raw.error().what);
  job.message = smtpc::to_crlf(*raw);
  return deliver_job(home, job, &kept);
}

}  // namespace

int run_worker() {
  std::string home = posta_home();
  if (auto st = become_instance_owner(home); !st) {
    log::error("unable to switch to the instance owner: ", st.error().what);
    return kDeliveryTemporary;
  }
  ignore_sigpipe();
  queue::FrameReader reader;
  KeptConnection kept;
  for (;;) {
    auto req = next_request(reader);
    if (!req) {
      log::error("protocol error from posta-rspawn: ", req.error().what);
      kept.close();
      return kDeliveryTemporary;
    }
    if (!*req) break;
    Report r = deliver_request(home, **req, kept);
    std::string payload = (kept.open() ? kept.peer : std::string()) + '\0' + encode_report(r);
    if (auto w = write_all(1, queue::frame(payload)); !w) {
      log::error("unable to report to posta-rspawn: ", w.error().what);
      kept.close();
      return kDeliveryTemporary;
    }
  }
  kept.close();
  return kExitOk;
}

}  // namespace posta::remote
