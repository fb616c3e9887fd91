#include "queue/spawner.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>

#include "io/fd.h"
#include "log/log.h"

namespace posta::queue {

namespace {

constexpr size_t kMaxAgentOutput = 64 * 1024;

struct Running {
  DeliveryRequest req;
  pid_t pid = -1;
  Fd out;
  std::string output;
  bool eof = false;
};

void answer(const DeliveryResult& r) {
  if (auto w = write_all(1, frame(encode(r))); !w) log::warning("unable to answer posta-send: ", w.error().what);
}

// Starts the agent; on failure answers at once and returns false.
bool start(const Spool& spool, const SpawnerHooks& hooks, DeliveryRequest req, std::map<pid_t, Running>& running) {
  AgentCommand cmd = hooks.command(req);
  if (!cmd.refuse.empty()) {
    answer(uniform_result(req, 'Z', cmd.refuse));
    return false;
  }
  auto msg = open_fd(spool.mess(req.id), O_RDONLY);
  auto pipe = Pipe::make();
  if (!msg || !pipe) {
    answer(uniform_result(req, 'Z', !msg ? msg.error().what : pipe.error().what));
    return false;
  }
  SpawnOptions opt;
  opt.fds = {{msg->get(), 0}, {pipe->write.get(), 1}};
  opt.env = cmd.env;
  opt.env.push_back("POSTA_QUEUE_TIME=" + std::to_string(req.queued_at));
  opt.env.push_back("POSTA_QUEUE_ID=" + req.id);
  for (auto& e : req.env) opt.env.push_back(e);
  auto child = spawn(cmd.argv, opt);
  if (!child) {
    answer(uniform_result(req, 'Z', child.error().what));
    return false;
  }
  Running r;
  r.pid = child->pid();
  child->release();
  r.req = std::move(req);
  r.out = std::move(pipe->read);
  set_nonblock(r.out.get(), true);
  running.emplace(r.pid, std::move(r));
  return true;
}

void read_output(Running& r) {
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(r.out.get(), buf, sizeof buf);
    if (n > 0) {
      if (r.output.size() < kMaxAgentOutput) r.output.append(buf, static_cast<size_t>(std::min<size_t>(n, kMaxAgentOutput - r.output.size())));
      continue;
    }
    if (n == 0) r.eof = true;
    if (n < 0 && errno == EINTR) continue;
    return;
  }
}

// Reaps exited agents whose output is complete.
void reap(const SpawnerHooks& hooks, std::map<pid_t, Running>& running, bool block) {
  for (auto it = running.begin(); it != running.end();) {
    Running& r = it->second;
    if (!r.eof) {
      ++it;
      continue;
    }
    int status = 0;
    pid_t p = ::waitpid(r.pid, &status, block ? 0 : WNOHANG);
    if (p == 0) {
      ++it;
      continue;
    }
    ExitStatus st = p < 0 ? ExitStatus{false, 0} : decode_wait_status(status);
    answer(hooks.result(r.req, st, r.output));
    it = running.erase(it);
  }
}

}  // namespace

DeliveryResult uniform_result(const DeliveryRequest& r, char final, const std::string& text) {
  DeliveryResult res{r.slot, final, text, {}};
  char s = final == 'K' ? 'r' : final == 'D' ? 'h' : 's';
  for (size_t i = 0; i < r.rcpts.size(); ++i) res.rcpts.push_back(RcptResult{s, text});
  return res;
}

std::string first_line(const std::string& out) {
  size_t start = out.find_first_not_of(" \t\r\n");
  if (start == std::string::npos) return "";
  size_t end = out.find_first_of("\r\n", start);
  return log::printable(out.substr(start, end == std::string::npos ? std::string::npos : end - start), 400);
}

int run_spawner(const Spool& spool, const SpawnerHooks& hooks) {
  set_nonblock(0, true);
  FrameReader reader;
  std::map<pid_t, Running> running;
  bool input_open = true;
  int code = 0;
  while (input_open || !running.empty()) {
    std::vector<pollfd> fds;
    if (input_open) fds.push_back({0, POLLIN, 0});
    for (auto& [pid, r] : running)
      if (!r.eof) fds.push_back({r.out.get(), POLLIN, 0});
    bool waiting_exit = false;
    for (auto& [pid, r] : running) waiting_exit |= r.eof;
    int n = ::poll(fds.data(), fds.size(), waiting_exit ? 20 : -1);
    if (n < 0 && errno != EINTR) return 111;
    for (auto& [pid, r] : running)
      if (!r.eof) read_output(r);
    reap(hooks, running, false);
    if (!input_open || fds.empty() || !(fds[0].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    char buf[65536];
    ssize_t got = ::read(0, buf, sizeof buf);
    if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (got <= 0) {
      input_open = false;  // posta-send is gone: finish what runs, then exit
      continue;
    }
    reader.feed(std::string_view(buf, static_cast<size_t>(got)));
    for (;;) {
      auto f = reader.next();
      if (!f) {
        log::error("protocol error from posta-send: ", f.error().what);
        input_open = false;
        code = 111;
        break;
      }
      if (!*f) break;
      auto req = decode_request(**f);
      if (!req) {
        log::error("protocol error from posta-send: ", req.error().what);
        input_open = false;
        code = 111;
        break;
      }
      start(spool, hooks, std::move(*req), running);
    }
  }
  return code;
}

}  // namespace posta::queue
