#include "hibernate_server.h"

#include <signal.h>
#include <sys/inotify.h>
#include <sys/wait.h>

#include "log/log.h"

namespace posta::hibernate {

Server::Server(const Options& o, Fd listener) : o_(o), listener_(std::move(listener)) {}

Server::~Server() {
  // events before the base they belong to
  for (auto& [p, s] : sleepers_) s->ev.reset();
  for (auto& [p, in] : incoming_) in->ev.reset();
  listen_ev_.reset();
  inotify_ev_.reset();
  signals_ev_.reset();
}

Status Server::start(Daemon& d) {
  base_.reset(event_base_new());
  if (!base_) return fail("unable to create the event loop");
  inotify_ = Fd(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
  if (!inotify_) return fail_sys("inotify_init1");
  listen_ev_.reset(event_new(
      base_.get(), listener_.get(), EV_READ | EV_PERSIST,
      [](evutil_socket_t, short, void* arg) { static_cast<Server*>(arg)->accept_all(); }, this));
  inotify_ev_.reset(event_new(
      base_.get(), inotify_.get(), EV_READ | EV_PERSIST,
      [](evutil_socket_t, short, void* arg) { static_cast<Server*>(arg)->on_inotify(); }, this));
  if (!listen_ev_ || !inotify_ev_ || event_add(listen_ev_.get(), nullptr) != 0 ||
      event_add(inotify_ev_.get(), nullptr) != 0)
    return fail("unable to add events");
  auto sig = watch_signals(base_.get(), d, [this](int s) { on_signal(s); });
  if (!sig) return std::unexpected(sig.error());
  signals_ev_ = std::move(*sig);
  return {};
}

void Server::serve() { event_base_dispatch(base_.get()); }

void Server::on_signal(int sig) {
  if (sig == SIGCHLD) return reap();
  if (stopping_) return;
  stopping_ = true;
  log::info("stopping: resuming ", sleepers_.size(), " sessions");
  event_del(listen_ev_.get());
  std::vector<Sleeper*> all;
  for (auto& [p, s] : sleepers_) all.push_back(p);
  for (Sleeper* s : all) wake(s, "stop");
  reap();
  event_base_loopbreak(base_.get());
}

void Server::reap() {
  int status = 0;
  while (::waitpid(-1, &status, WNOHANG) > 0) {
  }
}

}  // namespace posta::hibernate
