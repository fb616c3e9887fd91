#include "authd_server.h"

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "accounts/auth_proto.h"
#include "db/db.h"
#include "io/deadline.h"
#include "log/log.h"
#include "net/fdpass.h"

namespace posta::authd {
namespace {

constexpr int kCheckpointEvery = 300;  // seconds
constexpr size_t kReadChunk = 4096;

using Clock = std::chrono::steady_clock;

int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now().time_since_epoch()).count();
}

// Waits for events on fd until the deadline; false when it passed.
bool wait_for(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, events, 0};
    int n = ::poll(&p, 1, static_cast<int>(left));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return false;
  }
}

}  // namespace

Server::Server(const Options& o, std::string home, Fd listener, std::optional<gid_t> group,
               accounts::Accounts acc)
    : o_(o), home_(std::move(home)), listener_(std::move(listener)), group_(group), acc_(std::move(acc)),
      settings_(accounts::AuthSettings::load(home_)),
      timed_(std::getenv("POSTA_AUTHD_TIMING") != nullptr) {}

Server::~Server() { stop(); }

int64_t Server::cpu_ns() const {
  if (!timed_) return 0;
  timespec t{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return int64_t{t.tv_sec} * 1000000000 + t.tv_nsec;
}

void Server::serve(Daemon& d) {
  {
    SignalsBlocked in_checkers;  // signals are for this thread
    for (int i = 0; i < o_.workers; ++i) threads_.emplace_back([this] { checker(); });
  }
  for (;;) {
    auto sig = d.wait_signal(kCheckpointEvery * 1000);
    if (!sig) {
      checkpoint();
      continue;
    }
    if (*sig == SIGHUP) {
      std::lock_guard<std::mutex> l(db_mu_);
      settings_ = accounts::AuthSettings::load(home_);
      log::info("control files reread");
      continue;
    }
    log::info("stopping after the checks in progress");
    stop();
    log_cpu();
    return;
  }
}

// What a check costs the daemon apart from the deliberate hash (test/bench/workloads/80-auth.sh).
void Server::log_cpu() const {
  uint64_t n = checks_;
  if (!timed_ || n == 0) return;
  log::info("checks: ", n, " cpu_per_check_us=", check_cpu_ns_ / 1000 / int64_t(n),
            " hash_cpu_per_check_us=", hash_cpu_ns_ / 1000 / int64_t(n),
            " cpu_apart_from_hash_per_check_us=", (check_cpu_ns_ - hash_cpu_ns_) / 1000 / int64_t(n));
}

// shutdown() wakes every checker blocked in accept(); each finishes its connection first.
void Server::stop() {
  if (stopping_.exchange(true)) return;
  ::shutdown(listener_.get(), SHUT_RDWR);
  for (auto& t : threads_) t.join();
}

void Server::checker() {
  while (!stopping_) {
    int64_t cpu0 = cpu_ns();  // (a thread blocked in accept() uses none)
    Fd fd(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!fd) {
      if (stopping_ || errno == EINTR || errno == ECONNABORTED) continue;
      log::warning("unable to accept: ", std::strerror(errno));
      ::usleep(100000);  // EMFILE and the like: don't spin
      continue;
    }
    // the pre-auth servers' group (-G), root, or our own user: who may run posta-auth
    if (auto peer = net::allowed_peer(fd.get(), group_); peer) check(std::move(fd), next_id_++);
    else log::warning(peer.error().what);
    check_cpu_ns_ += cpu_ns() - cpu0;
    ++checks_;
  }
}

void Server::check(Fd fd, uint64_t id) {
  auto req = read_request(fd.get(), id);
  if (!req) return;
  send_answer(fd.get(), id, decide(*req));
}

std::optional<accounts::AuthRequest> Server::read_request(int fd, uint64_t id) {
  auto deadline = Clock::now() + std::chrono::seconds(o_.timeout);
  std::string in;
  char buf[kReadChunk];
  std::string bad;
  std::optional<accounts::AuthRequest> req;
  for (;;) {
    // posta-auth sends its request right after connecting: usually it is already here.
    ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (wait_for(fd, POLLIN, deadline)) continue;
      log::warning("connection ", id, ": no complete request within ", o_.timeout, " s");
      break;
    }
    if (n <= 0) {
      if (!in.empty()) log::warning("connection ", id, ": closed in the middle of a request");
      break;
    }
    in.append(buf, static_cast<size_t>(n));
    explicit_bzero(buf, sizeof buf);
    if (in.size() < accounts::kAuthFrameHeader) continue;
    auto len = accounts::auth_frame_length(std::string_view(in).substr(0, accounts::kAuthFrameHeader),
                                           accounts::kMaxAuthRequest);
    if (!len) bad = len.error().what;
    else if (in.size() > accounts::kAuthFrameHeader + *len) bad = "bytes after the request";
    else if (in.size() < accounts::kAuthFrameHeader + *len) continue;
    if (bad.empty()) {
      auto r = accounts::decode_auth_request(std::string_view(in).substr(accounts::kAuthFrameHeader));
      if (r) req = std::move(*r);
      else bad = r.error().what;
    }
    break;
  }
  explicit_bzero(in.data(), in.size());
  if (!bad.empty()) log::warning("connection ", id, ": bad request: ", bad);
  return req;
}

// Looks the login up and concludes under the lock; hashes outside it.
accounts::AuthAnswer Server::decide(accounts::AuthRequest& req) {
  Result<accounts::AuthLookup> found = [&] {
    std::lock_guard<std::mutex> l(db_mu_);
    return accounts::look_up_login(acc_, settings_, req.login);
  }();
  if (!found) {
    log::warning("unable to check ", log::printable(req.login, 100), ": ", found.error().what);
    explicit_bzero(req.password.data(), req.password.size());
    return accounts::AuthAnswer::trouble("posta-authd: unable to check credentials: " + found.error().what);
  }
  const accounts::UserRecord* checked = found->checked();
  int64_t t0 = now_us(), cpu0 = cpu_ns();
  bool ok = accounts::check_password(req.password, checked ? checked->password_hash : "", !checked);
  int64_t hash_us = now_us() - t0;
  hash_cpu_ns_ += cpu_ns() - cpu0;
  explicit_bzero(req.password.data(), req.password.size());
  accounts::AuthAnswer a;
  {
    std::lock_guard<std::mutex> l(db_mu_);
    accounts::AuthWriter writer = [this]() -> Result<accounts::Accounts*> { return &acc_; };
    a = accounts::conclude(*found, ok, acc_, writer, settings_, req, std::time(nullptr));
    concluded_ = true;
  }
  a.hash_us = hash_us;
  for (auto* r : {&found->user, &found->master})
    if (*r) explicit_bzero((*r)->password_hash.data(), (*r)->password_hash.size());
  return a;
}

void Server::send_answer(int fd, uint64_t id, const accounts::AuthAnswer& a) {
  std::string out = accounts::encode_auth_answer(a);
  std::chrono::seconds limit(o_.timeout);
  auto st = write_all_timed(fd, out, limit, Deadline::after(limit));
  if (!st && (st.error().code == kWriteStalled || st.error().code == kWriteDeadline))
    log::warning("connection ", id, ": answer not taken within ", o_.timeout, " s");
  explicit_bzero(out.data(), out.size());
}

// The bookkeeping commits to the log; a long-lived writer checkpoints now and then so that
// old log files go away and a recovery has little to replay. The lookup first makes sure
// the environment is open (it reopens it after someone else's recovery).
void Server::checkpoint() {
  std::lock_guard<std::mutex> l(db_mu_);
  if (!concluded_) return;
  concluded_ = false;
  if (!acc_.find_domain("localhost")) return;
  if (auto st = acc_.env().checkpoint(); !st) log::warning(st.error().what);
}

}  // namespace posta::authd
