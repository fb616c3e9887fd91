// posta-mail daemon: the mailtasks service. The passes an administrator would otherwise run
// from cron, each in a child (posta-mail itself): retention (control/retentioninterval,
// default a day) and the full-text index catch-up of every folder (control/indexinterval,
// default ten minutes), each at start and then on its schedule; SIGHUP: both now. Between
// them it watches the full-text index's marks of changed folders (lib/fts/changed_folders.h)
// and runs `index --changed` once some appear, at most every kChangedSpacing seconds, so
// that a delivered or appended message is indexed within seconds.
#include <signal.h>
#include <sys/inotify.h>

#include <algorithm>
#include <ctime>

#include "admin/tool.h"
#include "base/exitcode.h"
#include "control/control.h"
#include "daemon/daemon.h"
#include "daemon/periodic.h"
#include "fts/changed_folders.h"
#include "io/fd.h"
#include "log/log.h"
#include "mail.h"
#include "mailstore/store_dir.h"
#include "proc/privilege.h"

namespace posta::mailcmd {
namespace {

struct Task {
  const char* name;
  std::vector<std::string> args;  // after "posta-mail --home HOME"
  const char* interval;           // control file
  long long default_interval;
  time_t next = 0;
};

// Changed-folder passes start at most this often (seconds), so that a stream of deliveries
// is indexed in batches.
constexpr time_t kChangedSpacing = 2;

// An inotify descriptor that is readable once a mark is renamed into the marks' directory;
// an empty Fd (and a warning) when that cannot be watched (say, inotify instances used
// up): the directory is then looked at every kChangedSpacing seconds.
Fd watch_changed(const std::string& home) {
  auto dir = mailstore::ensure_store_dir(home, ".fts-changed");
  Fd fd(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
  if (!dir || !fd || ::inotify_add_watch(fd.get(), dir->c_str(), IN_MOVED_TO) < 0) {
    log::warning("not watching ", fts::changed_dir(home), " (", dir ? sys_error("inotify").what : dir.error().what,
                 "): looking at it every ", kChangedSpacing, " s");
    return Fd();
  }
  return fd;
}

void drain(int fd) {
  char buf[4096];
  while (::read(fd, buf, sizeof buf) > 0) {
  }
}

int mail_tasks(const Opts& o) {
  auto d = Daemon::start(Readiness{o.ready_fd, false}, {SIGTERM, SIGINT, SIGHUP, SIGCHLD});
  if (!d) return report(d.error());
  std::string home = admin::home_or_default(o.home);
  if (auto s = become_instance_owner(home); !s) return report(s.error());
  lower_priority();
  d->ready();
  Control control(home);
  Task tasks[] = {{"retention", {"retention"}, "retentioninterval", 86400},
                  {"index", {"index", "--all"}, "indexinterval", 600}};
  Fd changes = watch_changed(home);
  bool changed = true;  // marks left while the service was down
  time_t last_changed = 0;
  bool hangup = false;  // a SIGHUP during a pass: every pass after it
  for (;;) {
    if (hangup) {
      hangup = false;
      for (auto& t : tasks) t.next = 0;
    }
    if (!changes && !changed && ::time(nullptr) >= last_changed + kChangedSpacing) {
      changed = fts::any_changed(home);
      if (!changed) last_changed = ::time(nullptr);  // the next look
    }
    if (changed && ::time(nullptr) >= last_changed + kChangedSpacing) {
      last_changed = ::time(nullptr);
      changed = false;
      if (changes) drain(changes.get());
      std::string err;
      int rc = run_self(*d, {"posta-mail", "--home", home, "index", "--changed"}, err, &hangup);
      if (rc == -1) return kExitOk;
      if (rc != 0)
        log::warning("changed-folder index pass failed: ", err.empty() ? "posta-mail exited " + std::to_string(rc) : err);
    }
    for (auto& t : tasks) {
      time_t start = ::time(nullptr);
      if (start < t.next) continue;
      std::vector<std::string> args = {"posta-mail", "--home", home};
      args.insert(args.end(), t.args.begin(), t.args.end());
      std::string err;
      int rc = run_self(*d, args, err, &hangup);
      if (rc == -1) return kExitOk;
      if (rc == 0)
        log::info(t.name, " pass done in ", ::time(nullptr) - start, " s");
      else
        log::warning(t.name, " pass failed: ", err.empty() ? "posta-mail exited " + std::to_string(rc) : err);
      t.next = start + std::max(60LL, control.number(t.interval, t.default_interval));
    }
    time_t next = std::min_element(std::begin(tasks), std::end(tasks), [](auto& a, auto& b) { return a.next < b.next; })->next;
    if (changed || !changes) next = std::min(next, last_changed + kChangedSpacing);
    switch (wait_for(*d, next, changed || !changes ? -1 : changes.get())) {
      case Wake::kStop: return kExitOk;
      case Wake::kHangup:  // every pass now
        for (auto& t : tasks) t.next = 0;
        break;
      case Wake::kReadable: changed = true; break;
      case Wake::kDue: break;
    }
  }
}

}  // namespace

void register_daemon(CLI::App& app, Opts& o, Action& action) {
  auto* sc = app.add_subcommand("daemon",
                                "the mailtasks service: retention passes (control/retentioninterval, default 86400 s) and "
                                "full-text index catch-ups (control/indexinterval, default 600 s, and of changed folders "
                                "within seconds); SIGHUP: both now");
  sc->add_option("-d,--ready-fd", o.ready_fd, "s6 readiness: write a newline to this descriptor once started");
  sc->callback([&] { action = [&] { return mail_tasks(o); }; });
}

}  // namespace posta::mailcmd
