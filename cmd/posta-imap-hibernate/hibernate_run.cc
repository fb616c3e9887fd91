// posta-imap-hibernate's run(), in the daemon skeleton's order (lib/daemon/daemon.h): start,
// make the socket (root: then hands it to the mail store owner) and become the mail store
// owner, readiness, then the loop.
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/exitcode.h"
#include "control/control.h"
#include "daemon/daemon.h"
#include "hibernate.h"
#include "hibernate_server.h"
#include "log/log.h"
#include "net/fdpass.h"
#include "proc/privilege.h"

namespace posta::hibernate {

int run(const Options& o) {
  auto daemon = Daemon::start({o.notify_fd}, {SIGTERM, SIGINT, SIGCHLD});
  if (!daemon) log::fatal(kExitTemporary, daemon.error().what);
  std::string home = posta_home();
  // The socket is the mail store owner's, mode 0600: only post-auth servers connect.
  struct stat store {};
  if (::stat((home + "/mail").c_str(), &store) != 0) log::fatal(kExitTemporary, "unable to stat " + home + "/mail");
  auto listener = net::listen_unix_for(o.socket, std::nullopt);
  if (!listener) log::fatal(kExitTemporary, listener.error().what);
  if (::geteuid() == 0 && ::chown(o.socket.c_str(), store.st_uid, store.st_gid) != 0)
    log::fatal(kExitTemporary, "unable to chown " + o.socket);
  if (auto st = become_instance_owner(home); !st) log::fatal(kExitTemporary, st.error().what);
  if (auto st = become_mail_store_owner(home); !st) log::fatal(kExitTemporary, st.error().what);
  // One descriptor per session: as many as the hard limit allows.
  rlimit nofile{};
  if (::getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
    nofile.rlim_cur = nofile.rlim_max;
    (void)::setrlimit(RLIMIT_NOFILE, &nofile);
  }
  Server server(o, std::move(*listener));
  if (auto st = server.start(*daemon); !st) log::fatal(kExitTemporary, st.error().what);
  log::info("listening on ", o.socket);
  daemon->ready();
  server.serve();
  ::unlink(o.socket.c_str());
  return kExitOk;
}

}  // namespace posta::hibernate
