// posta-authd's run(), in the daemon skeleton's order (lib/daemon/daemon.h): start, become
// the owner of the secrets, open the databases, make the socket, readiness, then the checkers.
#include <signal.h>
#include <unistd.h>

#include "authd_server.h"
#include "base/exitcode.h"
#include "control/control.h"
#include "daemon/daemon.h"
#include "log/log.h"
#include "net/fdpass.h"
#include "proc/privilege.h"
#include "proc/socket_group.h"

namespace posta::authd {

int run(const Options& o) {
  auto daemon = Daemon::start({o.notify_fd}, {SIGHUP, SIGTERM, SIGINT});
  if (!daemon) log::fatal(kExitTemporary, daemon.error().what);
  std::string home = posta_home();
  // The daemon holds the hashes: it runs as the owner of db/secret/, root in system mode,
  // the instance owner otherwise (also when root starts a rootless instance).
  if (auto st = become_instance_owner(home); !st) log::fatal(kExitTemporary, st.error().what);
  auto gid = socket_group(o.group);
  if (!gid) log::fatal(kExitTemporary, gid.error().what);
  std::optional<gid_t> group = *gid;
  auto acc = accounts::Accounts::open(home, accounts::Accounts::Mode::kReadWrite);
  if (!acc) log::fatal(kExitTemporary, "unable to open accounts: " + acc.error().what);
  // The readers' copy (every role but root in system mode reads it) made afresh: an instance
  // from before the copy has none, and an admin tool killed before it closed left it behind
  // the databases.
  if (auto p = acc->publish(); !p) log::warning("unable to publish the accounts: ", p.error().what);
  // Open the tables of every check now rather than in the first one (a miss is fine).
  (void)acc->find_domain("localhost");
  (void)acc->find_user("postmaster@localhost");
  (void)acc->has_failures("user:");
  auto listener = net::listen_unix_for(o.socket, group);
  if (!listener) log::fatal(kExitTemporary, listener.error().what);
  set_nonblock(listener->get(), false);  // the checkers block in accept()
  Server server(o, home, std::move(*listener), group, std::move(*acc));
  log::info("listening on ", o.socket, " with ", o.workers, " checker threads");
  daemon->ready();
  server.serve(*daemon);
  ::unlink(o.socket.c_str());
  return kExitOk;
}

}  // namespace posta::authd
