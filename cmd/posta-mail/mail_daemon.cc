// posta-mail daemon: the mailtasks service. The passes an administrator would otherwise run
// from cron, each in a child (posta-mail itself): retention (control/retentioninterval,
// default a day) and the full-text index catch-up of every folder (control/indexinterval,
// default ten minutes), each at start and then on its schedule; SIGHUP: both now.
#include <signal.h>

#include <algorithm>
#include <ctime>

#include "admin/tool.h"
#include "base/exitcode.h"
#include "control/control.h"
#include "daemon/daemon.h"
#include "daemon/periodic.h"
#include "log/log.h"
#include "mail.h"
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
  for (;;) {
    for (auto& t : tasks) {
      time_t start = ::time(nullptr);
      if (start < t.next) continue;
      std::vector<std::string> args = {"posta-mail", "--home", home};
      args.insert(args.end(), t.args.begin(), t.args.end());
      std::string err;
      int rc = run_self(*d, args, err);
      if (rc == -1) return kExitOk;
      if (rc == 0)
        log::info(t.name, " pass done in ", ::time(nullptr) - start, " s");
      else
        log::warning(t.name, " pass failed: ", err.empty() ? "posta-mail exited " + std::to_string(rc) : err);
      t.next = start + std::max(60LL, control.number(t.interval, t.default_interval));
    }
    time_t next = std::min_element(std::begin(tasks), std::end(tasks), [](auto& a, auto& b) { return a.next < b.next; })->next;
    if (!wait_until(*d, next)) return kExitOk;
    if (::time(nullptr) < next)  // SIGHUP: every pass now
      for (auto& t : tasks) t.next = 0;
  }
}

}  // namespace

void register_daemon(CLI::App& app, Opts& o, Action& action) {
  auto* sc = app.add_subcommand("daemon",
                                "the mailtasks service: retention passes (control/retentioninterval, default 86400 s) and "
                                "full-text index catch-ups (control/indexinterval, default 600 s); SIGHUP: both now");
  sc->add_option("-d,--ready-fd", o.ready_fd, "s6 readiness: write a newline to this descriptor once started");
  sc->callback([&] { action = [&] { return mail_tasks(o); }; });
}

}  // namespace posta::mailcmd
