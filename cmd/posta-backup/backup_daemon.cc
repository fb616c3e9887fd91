// posta-backup daemon: the backupd service (posta-backupd(8)). Off while control/backuprepo
// is missing; otherwise a child `posta-backup run` every control/backupinterval seconds at
// low CPU and I/O priority, one at a time, a status file, and mail to the postmaster after
// control/backupalert consecutive failures.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backup.h"
#include "control/control.h"
#include "daemon/daemon.h"
#include "daemon/periodic.h"
#include "io/fd.h"
#include "log/log.h"
#include "proc/privilege.h"

namespace posta::backupcmd {

namespace {

constexpr long long kDefaultInterval = 3600, kDefaultAlert = 3, kIdleCheck = 60;

struct Status {
  int64_t last_start = 0, last_end = 0, last_ok = 0;
  long long failures = 0;
  std::string result = "none", error;
};

void write_status(const std::string& home, const Status& s) {
  std::string text = "result " + s.result + "\nlast_start " + std::to_string(s.last_start) + "\nlast_end " +
                     std::to_string(s.last_end) + "\nlast_success " + std::to_string(s.last_ok) +
                     "\nconsecutive_failures " + std::to_string(s.failures) + "\n";
  if (!s.error.empty()) text += "error " + s.error + "\n";
  if (auto st = write_file_atomic(home + "/run/backupd.status", text, 0644); !st) log::warning(st.error().what);
}

void alert_postmaster(const std::string& home, const Status& s) {
  std::string bin = "/proc/self/exe";
  char self[4096];
  ssize_t n = ::readlink(bin.c_str(), self, sizeof self - 1);
  if (n <= 0) return;
  self[n] = '\0';
  std::string dir(self);
  dir = dir.substr(0, dir.rfind('/'));
  std::string msg = "To: postmaster\nSubject: posta backups are failing\n\nThe last " + std::to_string(s.failures) +
                    " backup runs of " + home + " failed.\nLast error: " + s.error +
                    "\nStatus: " + home + "/run/backupd.status; log: " + home + "/log/backupd/current\n";
  auto p = Pipe::make();
  if (!p) return;
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(p->read.get(), 0);
    std::string prog = dir + "/posta-sendmail";
    ::execl(prog.c_str(), prog.c_str(), "-i", "postmaster", nullptr);
    ::_exit(111);
  }
  p->read.reset();
  if (pid > 0) {
    (void)write_all(p->write.get(), msg);
    p->write.reset();
    int st = 0;
    ::waitpid(pid, &st, 0);
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0) log::info("alerted the postmaster: ", s.failures, " failed runs");
    else log::warning("unable to alert the postmaster: posta-sendmail failed");
  }
}

// A `posta-backup run` child; its exit status, or -1 when a TERM ended the wait (the child
// is stopped: a run killed at any moment leaves the repository whole).
int run_child(Daemon& d, const Context& c, std::string& err) {
  std::vector<std::string> args = {"posta-backup", "--home", home_of(c), "run"};
  if (!c.repo.empty()) args.insert(args.begin() + 1, {"--repo", c.repo});
  if (!c.passphrase_file.empty()) args.insert(args.begin() + 1, {"--passphrase-file", c.passphrase_file});
  return run_self(d, args, err);
}

}  // namespace

int run_daemon(const Context& c, std::optional<int> ready_fd) {
  auto d = Daemon::start(Readiness{ready_fd, false}, {SIGTERM, SIGINT, SIGHUP, SIGCHLD});
  if (!d) return fail_exit(d.error());
  std::string home = home_of(c);
  if (auto s = become_instance_owner(home); !s) return fail_exit(s.error());
  lower_priority();
  d->ready();
  Control ctl(home);
  Status st;
  bool announced_off = false;
  for (;;) {
    if (c.repo.empty() && !ctl.exists("backuprepo")) {
      if (!announced_off) log::info("off: no control/backuprepo");
      announced_off = true;
      if (auto sig = d->wait_signal(int(kIdleCheck * 1000)); sig && (*sig == SIGTERM || *sig == SIGINT)) return kOk;
      continue;
    }
    announced_off = false;
    st.last_start = ::time(nullptr);
    std::string err;
    int rc = run_child(*d, c, err);
    if (rc == -1) return kOk;
    st.last_end = ::time(nullptr);
    if (rc == 0) {
      st.result = "ok";
      st.failures = 0;
      st.error.clear();
      st.last_ok = st.last_end;
      log::info("run ok in ", st.last_end - st.last_start, " s");
    } else {
      st.result = "failed";
      st.failures++;
      st.error = err.empty() ? "posta-backup run exited " + std::to_string(rc) + " (see the lines above)" : err;
      log::warning("run failed (", st.failures, " in a row): ", st.error);
      if (st.failures == ctl.number("backupalert", kDefaultAlert)) alert_postmaster(home, st);
    }
    write_status(home, st);
    long long interval = ctl.number("backupinterval", kDefaultInterval);
    if (!wait_until(*d, st.last_start + std::max(60LL, interval))) return kOk;
  }
}

}  // namespace posta::backupcmd
