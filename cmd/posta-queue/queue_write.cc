// posta-queue's side of an injection: its identity, its environment and fds 0/1/6/7; the
// writing itself is lib/queue/writer (shared with posta-queued).
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>

#include "base/exitcode.h"
#include "control/control.h"
#include "proc/privilege.h"
#include "queue.h"
#include "queue/queued_proto.h"
#include "queue/spool.h"
#include "queue/writer.h"

namespace posta::queueprog {
namespace {

std::string env_or(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// $POSTA_QUEUE_IDFD when it names an open fd above 2; else -1.
int id_fd() {
  auto v = env_or("POSTA_QUEUE_IDFD");
  int fd = -1;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), fd);
  if (v.empty() || ec != std::errc() || p != v.data() + v.size() || fd < 3 || ::fcntl(fd, F_GETFD) < 0) return -1;
  return fd;
}

queue::Injection injection(uid_t caller, bool system) {
  queue::Injection in;
  in.message_fd = 0;
  in.envelope_fd = 1;
  in.custom_fd = ::fcntl(6, F_GETFD) >= 0 ? 6 : -1;
  in.id_fd = id_fd();
  queue::set_caller(in, caller, system);
  in.writer_pid = ::getpid();
  // the variables posta-queued takes in its frame, read into the injection by the same code
  queue::QueuedRequest extras;
  for (std::string_view name : queue::kQueuedNames)
    if (const char* v = std::getenv(std::string(name).c_str())) extras.env.emplace_back(name, v);
  extras.apply(in);
  return in;
}

// A setuid copy (system mode, posta-setup(8)): the instance is the one the binary belongs to,
// not the caller's POSTA_HOME, and the real ids become the queue user's, so that nothing the
// caller could regain (root's uid, for one) stays in this process. True for a setuid copy.
Result<bool> settle_identity() {
  auto home = settle_setuid_instance();
  if (!home) return std::unexpected(home.error());
  if (!home->has_value()) return false;
  uid_t u = ::geteuid();
  gid_t g = ::getegid();
  if (::setresgid(g, g, g) != 0 || ::setresuid(u, u, u) != 0) return fail_sys("unable to give up the caller's ids");
  return true;
}

queue::WriteOutcome spool_trouble(const Error& e) { return {kQueueSpoolTrouble, e.what}; }

}  // namespace

queue::WriteOutcome run() {
  ::signal(SIGPIPE, SIG_IGN);
  ::umask(007);
  // The real uid of whoever ran us, before a setuid copy gives up that identity.
  uid_t caller = ::getuid();
  auto system = settle_identity();
  if (!system) return spool_trouble(system.error());
  std::string home = posta_home();
  if (auto s = become_instance_owner(home); !s) return spool_trouble(s.error());
  Control ctl(home);
  auto spool = queue::Spool::from_home(home);
  if (auto s = spool.ensure(); !s) return spool_trouble(s.error());
  auto journal = queue::load_journal(home);
  return queue::write_message(spool, ctl.number("databytes", 0), injection(caller, *system), &journal);
}

}  // namespace posta::queueprog
