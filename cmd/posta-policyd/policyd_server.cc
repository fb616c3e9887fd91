#include "policyd_server.h"

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <ctime>
#include <vector>

#include "control/control.h"
#include "log/log.h"
#include "net/fdpass.h"
#include "policy/policy_proto.h"

namespace posta::policyd {
namespace {

constexpr int64_t kHousekeepingEvery = 300;  // seconds: checkpoint; expiry too

int64_t steady_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

Server::Server(const Options& o, std::string home, Fd listener, std::optional<gid_t> group, policy::PolicyDb db)
    : o_(o),
      home_(std::move(home)),
      listener_(std::move(listener)),
      group_(group),
      db_(std::move(db)),
      settings_(policy::load_greylist_settings(Control(home_))),
      last_housekeeping_(steady_seconds()) {}

void Server::serve(Daemon& d) {
  for (;;) {
    std::vector<pollfd> fds{{d.signal_fd(), POLLIN, 0}, {listener_.get(), POLLIN, 0}};
    for (auto& [fd, c] : clients_) fds.push_back({fd, static_cast<short>(c.out.empty() ? POLLIN : POLLOUT), 0});
    int n = ::poll(fds.data(), fds.size(), 10000);
    if (n < 0 && errno != EINTR) log::warning("poll: ", std::strerror(errno));
    int64_t now = steady_seconds();
    while (auto sig = d.next_signal()) {
      if (*sig == SIGHUP) {
        settings_ = policy::load_greylist_settings(Control(home_));
        log::info("control files reread");
        continue;
      }
      log::info("stopping");
      return;
    }
    if (n > 0 && (fds[1].revents & POLLIN)) accept_clients();
    for (size_t i = 2; i < fds.size(); ++i) {
      if (!fds[i].revents) continue;
      auto it = clients_.find(fds[i].fd);
      if (it == clients_.end()) continue;
      bool keep = (fds[i].revents & POLLOUT) ? write_client(it->second) : read_client(it->second);
      if (keep)
        it->second.last = now;
      else
        clients_.erase(it);
    }
    std::erase_if(clients_, [&](auto& kv) { return now - kv.second.last > o_.idle; });
    if (now - last_housekeeping_ >= kHousekeepingEvery) housekeeping(now);
  }
}

void Server::accept_clients() {
  for (;;) {
    Fd fd(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
    if (!fd) {
      if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
        log::warning("unable to accept: ", std::strerror(errno));
      return;
    }
    if (auto peer = net::allowed_peer(fd.get(), group_); !peer) {
      log::warning(peer.error().what);
      continue;
    }
    if (clients_.size() >= static_cast<size_t>(o_.max_clients)) {
      log::warning("more than ", o_.max_clients, " connections: one refused");
      continue;
    }
    int k = fd.get();
    clients_[k] = Client{std::move(fd), "", "", steady_seconds()};
  }
}

bool Server::read_client(Client& c) {
  char buf[4096];
  ssize_t n = ::recv(c.fd.get(), buf, sizeof buf, MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return true;
  if (n <= 0) return false;
  c.in.append(buf, static_cast<size_t>(n));
  size_t nl;
  while ((nl = c.in.find('\n')) != std::string::npos) {
    c.out += answer_line(std::string_view(c.in).substr(0, nl)) + "\n";
    c.in.erase(0, nl + 1);
  }
  if (c.in.size() >= policy::kMaxPolicyLine) {
    log::warning("request too long: connection closed");
    return false;
  }
  return write_client(c);
}

bool Server::write_client(Client& c) {
  while (!c.out.empty()) {
    ssize_t n = ::send(c.fd.get(), c.out.data(), c.out.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return true;
    if (n <= 0) return false;
    c.out.erase(0, static_cast<size_t>(n));
  }
  return true;
}

std::string Server::answer_line(std::string_view line) {
  auto req = policy::decode_request(line);
  policy::Answer a;
  if (!req) {
    log::warning("bad request: ", req.error().what);
    a.text = req.error().what;
    return policy::encode_answer(a);
  }
  auto r = db_.answer(settings_, *req, std::time(nullptr));
  if (!r) {
    log::warning("database: ", r.error().what);
    a.text = "database trouble";
    return policy::encode_answer(a);
  }
  wrote_ = true;
  return policy::encode_answer(*r);
}

// A long-lived writer checkpoints now and then so that old log files go away and a recovery
// has little to replay; expiry keeps the database the size of the traffic of a month.
void Server::housekeeping(int64_t now) {
  last_housekeeping_ = now;
  if (!wrote_) return;
  wrote_ = false;
  auto gone = db_.expire(settings_, std::time(nullptr));
  if (!gone)
    log::warning("expiry: ", gone.error().what);
  else if (*gone)
    log::info("expired ", *gone, " records");
  if (auto st = db_.checkpoint(); !st) log::warning(st.error().what);
}

}  // namespace posta::policyd
