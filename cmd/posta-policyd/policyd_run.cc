// posta-policyd's run(), in the daemon skeleton's order (lib/daemon/daemon.h): start, make
// the socket and become the database's owner (in system mode root makes the socket first),
// open the database, readiness, then the loop.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/exitcode.h"
#include "control/control.h"
#include "daemon/daemon.h"
#include "log/log.h"
#include "net/fdpass.h"
#include "policy/policy_db.h"
#include "policyd.h"
#include "policyd_server.h"
#include "proc/privilege.h"
#include "proc/socket_group.h"

namespace posta::policyd {
namespace {

// A system-mode instance's policy data belongs to the network daemons' user: what it holds
// only ever lets mail in sooner, which a compromised posta-smtpd could do anyway.
Status become_daemon_user(const std::string& home) {
  auto c = lookup_credentials(kDaemonUser, kDbGroup);
  if (!c) return std::unexpected(c.error());
  std::string dir = home + "/policy";
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return fail_sys("unable to create " + dir);
  if (::chown(dir.c_str(), c->uid, c->gid) != 0) return fail_sys("unable to chown " + dir);
  return assume(*c);
}

}  // namespace

int run(const Options& o) {
  auto daemon = Daemon::start({o.notify_fd}, {SIGHUP, SIGTERM, SIGINT});
  if (!daemon) log::fatal(kExitTemporary, daemon.error().what);
  std::string home = posta_home();
  auto gid = socket_group(o.group);
  if (!gid) log::fatal(kExitTemporary, gid.error().what);
  const bool system = system_mode(home);
  if (!system)
    if (auto st = become_instance_owner(home); !st) log::fatal(kExitTemporary, st.error().what);
  auto listener = net::listen_unix_for(o.socket, *gid);
  if (!listener) log::fatal(kExitTemporary, listener.error().what);
  if (system)
    if (auto st = become_daemon_user(home); !st) log::fatal(kExitTemporary, st.error().what);
  auto db = policy::PolicyDb::open(home);
  if (!db) log::fatal(kExitTemporary, "unable to open the policy database: " + db.error().what);
  Server server(o, home, std::move(*listener), *gid, std::move(*db));
  log::info("listening on ", o.socket);
  daemon->ready();
  server.serve(*daemon);
  ::unlink(o.socket.c_str());
  return kExitOk;
}

}  // namespace posta::policyd
