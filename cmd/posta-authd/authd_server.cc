#include "authd_server.h"

#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <ctime>

#include "accounts/auth_proto.h"
#include "db/db.h"
#include "log/log.h"
#include "net/fdpass.h"

namespace posta::authd {
namespace {

constexpr int kCheckpointEvery = 300;  // seconds
constexpr size_t kReadChunk = 4096;

}  // namespace

Server::Server(const Options& o, std::string home, Fd listener, std::optional<gid_t> group,
               accounts::Accounts acc, std::unique_ptr<HashPool> pool)
    : o_(o), home_(std::move(home)), listener_(std::move(listener)), group_(group), acc_(std::move(acc)),
      settings_(accounts::AuthSettings::load(home_)), pool_(std::move(pool)) {}

Status Server::start() {
  base_.reset(event_base_new());
  if (!base_) return fail("unable to create the event loop");
  accept_ev_.reset(event_new(base_.get(), listener_.get(), EV_READ | EV_PERSIST, on_accept, this));
  wake_ev_.reset(event_new(base_.get(), pool_->wake_fd(), EV_READ | EV_PERSIST, on_hashed, this));
  checkpoint_ev_.reset(event_new(base_.get(), -1, EV_PERSIST, on_checkpoint, this));
  timeval every{kCheckpointEvery, 0};
  if (!accept_ev_ || !wake_ev_ || !checkpoint_ev_ || event_add(accept_ev_.get(), nullptr) != 0 ||
      event_add(wake_ev_.get(), nullptr) != 0 || event_add(checkpoint_ev_.get(), &every) != 0)
    return fail("unable to set up the event loop");
  for (int sig : {SIGHUP, SIGTERM, SIGINT}) {
    signal_evs_.emplace_back(evsignal_new(base_.get(), sig, on_signal, this));
    if (!signal_evs_.back() || event_add(signal_evs_.back().get(), nullptr) != 0)
      return fail("unable to set up signal handling");
  }
  return {};
}

void Server::on_accept(evutil_socket_t, short, void* self) { static_cast<Server*>(self)->accept_some(); }

// At the connection limit the listener is left alone: clients wait in the backlog.
void Server::accept_some() {
  for (int i = 0; i < 64 && conns_.size() < static_cast<size_t>(o_.max_connections); ++i) {
    Fd fd(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
    if (!fd) {
      if (errno == EMFILE || errno == ENFILE) log::warning("unable to accept: ", std::strerror(errno));
      return;
    }
    if (!peer_allowed(fd.get())) continue;
    auto c = std::make_unique<Conn>();
    c->server = this;
    c->id = next_id_++;
    c->fd = std::move(fd);
    c->ev.reset(event_new(base_.get(), c->fd.get(), EV_READ | EV_PERSIST, on_read, c.get()));
    if (!c->ev) continue;
    Conn& conn = *conns_.emplace(c->id, std::move(c)).first->second;
    // posta-auth sends its request right after connecting: usually it is already here,
    // and the connection needs no watching (each system call costs on these VMs).
    read_request(conn);
  }
  if (conns_.size() >= static_cast<size_t>(o_.max_connections) && accepting_) {
    accepting_ = false;
    event_del(accept_ev_.get());
    log::warning("at the limit of ", o_.max_connections, " connections; new ones wait");
  }
}

// The pre-auth servers' group (-G), root, or our own user: who may run posta-auth.
bool Server::peer_allowed(int fd) {
  auto cred = net::peer_cred(fd);
  if (!cred) return false;
  if (cred->uid == 0 || cred->uid == ::geteuid() || (group_ && cred->gid == *group_)) return true;
  log::warning("refused a connection from uid ", cred->uid, " gid ", cred->gid);
  return false;
}

void Server::on_read(evutil_socket_t, short what, void* arg) {
  auto* c = static_cast<Conn*>(arg);
  Server* s = c->server;
  if (what & EV_TIMEOUT) {
    log::warning("connection ", c->id, ": no complete request within ", s->o_.timeout, " s");
    return s->close(*c);
  }
  s->read_request(*c);
}

void Server::read_request(Conn& c) {
  char buf[kReadChunk];
  ssize_t n = ::read(c.fd.get(), buf, sizeof buf);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return watch(c);
  if (n <= 0) {
    if (!c.in.empty()) log::warning("connection ", c.id, ": closed in the middle of a request");
    return close(c);
  }
  c.in.append(buf, static_cast<size_t>(n));
  explicit_bzero(buf, sizeof buf);
  if (c.in.size() < accounts::kAuthFrameHeader) return watch(c);
  auto len = accounts::auth_frame_length(std::string_view(c.in).substr(0, accounts::kAuthFrameHeader),
                                         accounts::kMaxAuthRequest);
  std::string bad;
  if (!len) bad = len.error().what;
  else if (c.in.size() > accounts::kAuthFrameHeader + *len) bad = "bytes after the request";
  else if (c.in.size() < accounts::kAuthFrameHeader + *len) return watch(c);
  if (bad.empty()) {
    auto req = accounts::decode_auth_request(std::string_view(c.in).substr(accounts::kAuthFrameHeader));
    if (req) c.req = std::move(*req);
    else bad = req.error().what;
  }
  explicit_bzero(c.in.data(), c.in.size());
  if (!bad.empty()) {
    log::warning("connection ", c.id, ": bad request: ", bad);
    return close(c);
  }
  if (c.watched) event_del(c.ev.get());
  handle(c);
}

// Waits for the rest of the request, at most -t seconds from the first wait.
void Server::watch(Conn& c) {
  if (c.watched) return;
  timeval t{o_.timeout, 0};
  if (event_add(c.ev.get(), &t) != 0) return close(c);
  c.watched = true;
}

// Looks the login up here; the hash goes to the pool, the rest waits for it.
void Server::handle(Conn& c) {
  auto found = accounts::look_up_login(acc_, settings_, c.req.login);
  if (!found) {
    log::warning("unable to check ", log::printable(c.req.login, 100), ": ", found.error().what);
    explicit_bzero(c.req.password.data(), c.req.password.size());
    return answer(c, accounts::AuthAnswer::trouble("posta-authd: unable to check credentials: " + found.error().what));
  }
  c.found = std::move(*found);
  const accounts::UserRecord* checked = c.found.checked();
  HashPool::Job job{c.id, std::move(c.req.password), checked ? checked->password_hash : "", !checked};
  c.req.password.clear();
  pool_->submit(std::move(job));
}

void Server::on_hashed(evutil_socket_t, short, void* self) {
  auto* s = static_cast<Server*>(self);
  for (const auto& d : s->pool_->collect()) {
    auto it = s->conns_.find(d.id);
    if (it != s->conns_.end()) s->finish(*it->second, d.ok, d.hash_us);
  }
}

void Server::finish(Conn& c, bool password_ok, int64_t hash_us) {
  accounts::AuthWriter writer = [this]() -> Result<accounts::Accounts*> { return &acc_; };
  auto a = accounts::conclude(c.found, password_ok, acc_, writer, settings_, c.req, std::time(nullptr));
  a.hash_us = hash_us;
  concluded_ = true;
  for (auto* r : {&c.found.user, &c.found.master})
    if (*r) explicit_bzero((*r)->password_hash.data(), (*r)->password_hash.size());
  answer(c, a);
}

void Server::answer(Conn& c, const accounts::AuthAnswer& a) {
  c.out = accounts::encode_auth_answer(a);
  c.ev.reset(event_new(base_.get(), c.fd.get(), EV_WRITE | EV_PERSIST, on_write, &c));
  write_answer(c);
}

void Server::on_write(evutil_socket_t, short what, void* arg) {
  auto* c = static_cast<Conn*>(arg);
  if (what & EV_TIMEOUT) {
    log::warning("connection ", c->id, ": answer not taken within ", c->server->o_.timeout, " s");
    return c->server->close(*c);
  }
  c->server->write_answer(*c);
}

// Usually one send() does it; a full socket buffer waits for EV_WRITE.
void Server::write_answer(Conn& c) {
  while (c.sent < c.out.size()) {
    ssize_t n = ::send(c.fd.get(), c.out.data() + c.sent, c.out.size() - c.sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      timeval t{o_.timeout, 0};
      if (c.ev && event_add(c.ev.get(), &t) == 0) return;
    }
    if (n <= 0) break;
    c.sent += static_cast<size_t>(n);
  }
  close(c);
}

void Server::close(Conn& c) {
  conns_.erase(c.id);  // frees its event (also from inside its own callback) and its fd
  if (!accepting_ && conns_.size() < static_cast<size_t>(o_.max_connections)) {
    accepting_ = true;
    event_add(accept_ev_.get(), nullptr);
  }
}

void Server::on_checkpoint(evutil_socket_t, short, void* self) { static_cast<Server*>(self)->checkpoint(); }

// The bookkeeping commits to the log; a long-lived writer checkpoints now and then so that
// old log files go away and a recovery has little to replay. The lookup first makes sure
// the environment is open (it reopens it after someone else's recovery).
void Server::checkpoint() {
  if (!concluded_) return;
  concluded_ = false;
  if (!acc_.find_domain("localhost")) return;
  if (auto st = acc_.env().checkpoint(); !st) log::warning(st.error().what);
}

void Server::on_signal(evutil_socket_t sig, short, void* self) {
  auto* s = static_cast<Server*>(self);
  if (sig == SIGHUP) {
    s->settings_ = accounts::AuthSettings::load(s->home_);
    return log::info("control files reread");
  }
  log::info("stopping: ", s->conns_.size(), " checks in progress dropped");
  event_base_loopbreak(s->base_.get());
}

}  // namespace posta::authd
