// Waking a session: its client sent something (or closed), its folder changed, or its time
// is up. A closed connection is just forgotten; otherwise a posta-imapd --post-auth starts
// with the connection on fd 0 and 1, the state on fd 3 (POSTA_IMAP_RESUME=3) and the
// environment the state carries, in its home directory, and resumes the IDLE.
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include "hibernate_server.h"
#include "imap/hibernation.h"
#include "log/log.h"
#include "proc/child.h"

namespace posta::hibernate {
namespace {

constexpr uint32_t kFolderEvents = IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE;

// What the resumed process may not be given whatever the state says (it comes from the
// mail store owner's own processes, but the loader's variables are never passed on).
bool passed_on(std::string_view e) {
  return !e.starts_with("LD_") && !e.starts_with("GCONV_PATH=") && !e.starts_with("POSTA_IMAP_RESUME=");
}

std::string env_value(const std::vector<std::string>& env, std::string_view name) {
  for (const auto& e : env)
    if (e.size() > name.size() && e.starts_with(name) && e[name.size()] == '=') return e.substr(name.size() + 1);
  return "";
}

}  // namespace

void Server::arm(Sleeper& s, int64_t delay_ms) {
  timeval tv{static_cast<time_t>(delay_ms / 1000), static_cast<suseconds_t>(delay_ms % 1000 * 1000)};
  if (event_add(s.ev.get(), &tv) != 0) log::warning("unable to add an event");
}

void Server::client_cb(evutil_socket_t, short what, void* arg) {
  auto* s = static_cast<Sleeper*>(arg);
  s->server->on_client(s, what);
}

void Server::on_client(Sleeper* s, short what) {
  if (what & EV_TIMEOUT) return wake(s, "timeout");
  char c;
  ssize_t n = ::recv(s->in.get(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
    auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now().time_since_epoch()).count();
    return arm(*s, std::max<int64_t>(0, s->wake_at_ms - now));
  }
  if (n <= 0) {  // end of file or a dead connection: nothing to resume
    forget(s);
    return;
  }
  wake(s, "client");
}

void Server::on_inotify() {
  alignas(inotify_event) char buf[16384];
  for (;;) {
    ssize_t n = ::read(inotify_.get(), buf, sizeof buf);
    if (n <= 0) return;
    for (ssize_t off = 0; off < n;) {
      auto* e = reinterpret_cast<inotify_event*>(buf + off);
      off += static_cast<ssize_t>(sizeof(inotify_event) + e->len);
      std::vector<Sleeper*> woken;
      if (e->mask & IN_Q_OVERFLOW) {  // events lost: every session with a folder
        for (auto& [wd, set] : watched_) woken.insert(woken.end(), set.begin(), set.end());
      } else if (auto it = watched_.find(e->wd); it != watched_.end()) {
        woken.assign(it->second.begin(), it->second.end());
      }
      std::sort(woken.begin(), woken.end());
      woken.erase(std::unique(woken.begin(), woken.end()), woken.end());
      for (Sleeper* s : woken)
        if (sleepers_.contains(s)) wake(s, "folder");
      if (e->mask & IN_IGNORED) watched_.erase(e->wd);
    }
  }
}

void Server::wake(Sleeper* s, const char* why) {
  if (auto st = resume(*s); !st) {
    // The session stays asleep, and is tried again in a second (or when its client writes).
    log::warning("unable to resume a session (", why, "): ", st.error().what);
    return arm(*s, 1000);
  }
  forget(s);
}

Status Server::resume(Sleeper& s) {
  auto state = imap::parse_hibernated(s.state);  // checked on arrival: cannot fail
  if (!state) return std::unexpected(state.error());
  Fd mem(::memfd_create("posta-imap-state", MFD_CLOEXEC));
  if (!mem) return fail_sys("memfd_create");
  if (auto st = write_all(mem.get(), s.state); !st) return st;
  if (::lseek(mem.get(), 0, SEEK_SET) != 0) return fail_sys("lseek");
  SpawnOptions opt;
  opt.fds = {{s.in.get(), 0}, {s.out ? s.out.get() : s.in.get(), 1}, {mem.get(), 3}};
  for (auto& e : state->env)
    if (passed_on(e)) opt.env.push_back(e);
  opt.env.push_back("POSTA_IMAP_RESUME=3");
  opt.cwd = env_value(state->env, "HOME");
  auto child = spawn({sibling("posta-imapd"), "--post-auth"}, opt);
  if (!child) return std::unexpected(child.error());
  child->release();  // reaped on SIGCHLD
  return {};
}

void Server::forget(Sleeper* s) {
  if (s->wd_new >= 0) unwatch(s->wd_new, s);
  if (s->wd_cur >= 0) unwatch(s->wd_cur, s);
  s->ev.reset();
  sleepers_.erase(s);
}

Status Server::watch(Sleeper& s, const std::string& dir) {
  for (auto [sub, wd] : {std::pair{"/new", &s.wd_new}, {"/cur", &s.wd_cur}}) {
    int w = ::inotify_add_watch(inotify_.get(), (dir + sub).c_str(), kFolderEvents | IN_ONLYDIR);
    if (w < 0) {
      auto err = fail_sys("unable to watch " + dir + sub);
      if (s.wd_new >= 0) unwatch(s.wd_new, &s);
      s.wd_new = -1;
      return err;
    }
    *wd = w;
    watched_[w].insert(&s);
  }
  return {};
}

void Server::unwatch(int wd, Sleeper* s) {
  auto it = watched_.find(wd);
  if (it == watched_.end()) return;
  it->second.erase(s);
  if (!it->second.empty()) return;
  (void)::inotify_rm_watch(inotify_.get(), wd);
  watched_.erase(it);
}

}  // namespace posta::hibernate
