// posta-rspawn with connection reuse: a pool of posta-remote -w workers. Each request goes
// to an idle worker (the one that last delivered to the same domain first, then one whose
// kept connection is to the address that domain used last, then any), or to a new worker
// when none is idle. A worker idle for longer than control/connectioncachetime has its
// request pipe closed: it sends QUIT and exits.
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <list>
#include <map>

#include "io/fd.h"
#include "log/log.h"
#include "proc/child.h"
#include "rspawn.h"

namespace posta::rspawn {
namespace {

using Clock = std::chrono::steady_clock;
using queue::DeliveryRequest;
using queue::DeliveryResult;
constexpr size_t kMaxRememberedDomains = 10000;

struct Worker {
  pid_t pid = -1;
  Fd to, from;
  queue::FrameReader reader;
  std::optional<DeliveryRequest> job;  // set while delivering
  std::string domain, peer;            // of its last delivery; peer: its kept connection
  Clock::time_point idle_since;
  bool closing = false;  // request pipe closed, waiting for its exit
};

void answer(const DeliveryResult& r) {
  if (auto w = write_all(1, queue::frame(queue::encode(r))); !w)
    log::warning("unable to answer posta-send: ", w.error().what);
}

class Pool {
 public:
  Pool(std::string agent, Clock::duration idle) : agent_(std::move(agent)), idle_(idle) {}
  void dispatch(DeliveryRequest req);
  void poll_once(bool input_open, bool& input_ready);
  void drain();  // no more requests: every worker ends once idle
  bool empty() const { return workers_.empty(); }

 private:
  Worker* pick(const std::string& domain);
  Worker* start_worker();
  void on_readable(Worker& w);
  void finish(Worker& w, const std::string& payload);
  void fail_worker(Worker& w, const std::string& why);
  void expire_idle();
  int timeout_ms() const;

  std::string agent_;
  Clock::duration idle_;
  std::list<Worker> workers_;
  std::map<std::string, std::string> last_peer_;  // domain -> "ip:port" its delivery used
  bool draining_ = false;
};

Worker* Pool::pick(const std::string& domain) {
  auto idle = [](const Worker& w) { return !w.job && !w.closing; };
  auto peer = last_peer_.find(domain);
  Worker* same_peer = nullptr;
  Worker* unconnected = nullptr;
  Worker* any = nullptr;
  for (auto& w : workers_) {
    if (!idle(w)) continue;
    if (w.domain == domain && !w.peer.empty()) return &w;
    if (!same_peer && peer != last_peer_.end() && w.peer == peer->second) same_peer = &w;
    if (!unconnected && w.peer.empty()) unconnected = &w;
    if (!any) any = &w;
  }
  return same_peer ? same_peer : unconnected ? unconnected : any;
}

Worker* Pool::start_worker() {
  auto in = Pipe::make();
  auto out = Pipe::make();
  if (!in || !out) {
    log::warning("cannot start posta-remote: ", !in ? in.error().what : out.error().what);
    return nullptr;
  }
  SpawnOptions opt;
  opt.fds = {{in->read.get(), 0}, {out->write.get(), 1}};
  auto child = spawn({agent_, "-w"}, opt);
  if (!child) {
    log::warning("cannot start posta-remote: ", child.error().what);
    return nullptr;
  }
  Worker& w = workers_.emplace_back();
  w.pid = child->pid();
  child->release();
  w.to = std::move(in->write);
  w.from = std::move(out->read);
  set_nonblock(w.from.get(), true);
  return &w;
}

void Pool::dispatch(DeliveryRequest req) {
  for (int tries = 0; tries < 3; ++tries) {
    Worker* w = pick(req.host);
    if (!w) w = start_worker();
    if (!w) break;
    // A worker is idle (reading) or new: the frame fits in the pipe, a short write cannot block long.
    if (auto st = write_all(w->to.get(), queue::frame(queue::encode(req))); !st) {
      fail_worker(*w, "posta-remote worker gone: " + st.error().what);
      continue;
    }
    w->job = std::move(req);
    return;
  }
  answer(queue::uniform_result(req, 'Z', "unable to start posta-remote"));
}

// "peer NUL report": the worker's answer to its current request.
void Pool::finish(Worker& w, const std::string& payload) {
  auto nul = payload.find('\0');
  std::string peer = nul == std::string::npos ? "" : payload.substr(0, nul);
  std::string report = nul == std::string::npos ? payload : payload.substr(nul + 1);
  auto res = queue::parse_agent_report(report, w.job->rcpts.size());
  res.slot = w.job->slot;
  answer(res);
  w.domain = w.job->host;
  w.peer = peer;
  if (last_peer_.size() >= kMaxRememberedDomains) last_peer_.clear();  // only a hint
  if (!peer.empty()) last_peer_[w.domain] = peer;
  w.job.reset();
  w.idle_since = Clock::now();
  if (draining_) w.to = Fd(), w.closing = true;
}

// The worker broke (crashed, killed, garbled its pipe): its delivery is answered as a
// temporary failure, so posta-send retries it; the worker is not used again.
void Pool::fail_worker(Worker& w, const std::string& why) {
  if (w.job) answer(queue::uniform_result(*w.job, 'Z', why));
  w.job.reset();
  w.to = Fd();
  w.closing = true;
}

void Pool::on_readable(Worker& w) {
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(w.from.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;  // EAGAIN: all read for now
    if (n == 0) {
      int status = 0;
      pid_t p = ::waitpid(w.pid, &status, 0);
      ExitStatus st = p < 0 ? ExitStatus{false, 0} : decode_wait_status(status);
      if (w.job) fail_worker(w, "posta-remote " + st.describe() + " during the delivery");
      w.pid = -1;
      return;
    }
    w.reader.feed(std::string_view(buf, static_cast<size_t>(n)));
  }
  for (;;) {
    auto f = w.reader.next();
    if (!f) return fail_worker(w, "protocol error from posta-remote: " + f.error().what);
    if (!*f) return;
    if (!w.job) return fail_worker(w, "posta-remote answered without a request");
    finish(w, **f);
  }
}

void Pool::expire_idle() {
  auto now = Clock::now();
  for (auto& w : workers_)
    if (!w.job && !w.closing && now - w.idle_since >= idle_) w.to = Fd(), w.closing = true;
  workers_.remove_if([](const Worker& w) { return w.pid < 0; });
}

void Pool::drain() {
  draining_ = true;
  for (auto& w : workers_)
    if (!w.job && !w.closing) w.to = Fd(), w.closing = true;
}

int Pool::timeout_ms() const {
  auto next = Clock::time_point::max();
  for (auto& w : workers_)
    if (!w.job && !w.closing) next = std::min(next, w.idle_since + idle_);
  if (next == Clock::time_point::max()) return -1;
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(next - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(left + 1, 0, 60000));
}

void Pool::poll_once(bool input_open, bool& input_ready) {
  std::vector<pollfd> fds;
  if (input_open) fds.push_back({0, POLLIN, 0});
  for (auto& w : workers_) fds.push_back({w.from.get(), POLLIN, 0});
  int n = ::poll(fds.data(), fds.size(), timeout_ms());
  input_ready = n > 0 && input_open && (fds[0].revents & (POLLIN | POLLHUP | POLLERR));
  size_t i = input_open ? 1 : 0;
  for (auto& w : workers_) {
    if (n > 0 && (fds[i].revents & (POLLIN | POLLHUP | POLLERR))) on_readable(w);
    ++i;
  }
  expire_idle();
}

// The next complete request in reader, nullopt when more bytes are needed.
Result<std::optional<DeliveryRequest>> next_request(queue::FrameReader& reader) {
  auto f = reader.next();
  if (!f) return std::unexpected(f.error());
  if (!*f) return std::optional<DeliveryRequest>();
  auto req = queue::decode_request(**f);
  if (!req) return std::unexpected(req.error());
  return std::optional<DeliveryRequest>(std::move(*req));
}

}  // namespace

int run_pool(const std::string& agent, std::chrono::milliseconds idle) {
  set_nonblock(0, true);
  Pool pool(agent, idle);
  queue::FrameReader reader;
  bool input_open = true;
  int code = 0;
  while (input_open || !pool.empty()) {
    bool ready = false;
    pool.poll_once(input_open, ready);
    if (!ready) continue;
    char buf[65536];
    ssize_t got = ::read(0, buf, sizeof buf);
    if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (got <= 0) input_open = false;
    else reader.feed(std::string_view(buf, static_cast<size_t>(got)));
    while (input_open) {
      auto req = next_request(reader);
      if (!req) {
        log::error("protocol error from posta-send: ", req.error().what);
        input_open = false, code = 111;
      } else if (!*req) {
        break;
      } else {
        pool.dispatch(std::move(**req));
      }
    }
    if (!input_open) pool.drain();  // posta-send is gone: finish what runs, then exit
  }
  return code;
}

}  // namespace posta::rspawn
