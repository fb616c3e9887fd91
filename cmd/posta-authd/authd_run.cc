// posta-authd's run(), in the daemon skeleton's order: become the owner of the secrets,
// open the databases, make the socket, readiness, then the checkers.
#include <grp.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <vector>

#include "authd_server.h"
#include "base/exitcode.h"
#include "control/control.h"
#include "daemon/daemon.h"
#include "log/log.h"
#include "net/fdpass.h"

namespace posta::authd {
namespace {

std::optional<gid_t> group_id(const std::string& name) {
  struct group gr{}, *grp = nullptr;
  std::vector<char> buf(16384);
  if (::getgrnam_r(name.c_str(), &gr, buf.data(), buf.size(), &grp) != 0 || !grp) return std::nullopt;
  return grp->gr_gid;
}

// The socket's directory (e.g. $POSTA_HOME/run) when missing, then the socket: 0660 and
// the -G group, else 0600.
Result<Fd> make_socket(const Options& o, std::optional<gid_t> group) {
  std::error_code ec;
  std::filesystem::path dir = std::filesystem::path(o.socket).parent_path();
  if (!dir.empty() && !std::filesystem::exists(dir, ec)) {
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return fail_sys("unable to create " + dir.string());
  }
  auto listener = net::listen_unix(o.socket, group ? 0660 : 0600);
  if (!listener) return listener;
  if (group && ::chown(o.socket.c_str(), static_cast<uid_t>(-1), *group) != 0)
    return fail_sys("unable to give " + o.socket + " to group " + o.group);
  return listener;
}

}  // namespace

int run(const Options& o) {
  ignore_sigpipe();
  std::string home = posta_home();
  // The daemon holds the hashes: it runs as the owner of db/secret/, root in system mode,
  // the instance owner otherwise (also when root starts a rootless instance).
  if (auto st = become_instance_owner(home); !st) log::fatal(kExitTemporary, st.error().what);
  std::optional<gid_t> group;
  if (!o.group.empty()) {
    group = group_id(o.group);
    if (!group) log::fatal(kExitTemporary, "unknown group " + o.group);
  }
  auto acc = accounts::Accounts::open(home, accounts::Accounts::Mode::kReadWrite);
  if (!acc) log::fatal(kExitTemporary, "unable to open accounts: " + acc.error().what);
  // Open the tables of every check now rather than in the first one (a miss is fine).
  (void)acc->find_domain("localhost");
  (void)acc->find_user("postmaster@localhost");
  (void)acc->has_failures("user:");
  auto listener = make_socket(o, group);
  if (!listener) log::fatal(kExitTemporary, listener.error().what);
  set_nonblock(listener->get(), false);  // the checkers block in accept()
  Server server(o, home, std::move(*listener), group, std::move(*acc));
  log::info("listening on ", o.socket, " with ", o.workers, " checker threads");
  notify_ready(readiness_fd(o.notify_fd));
  server.serve();
  ::unlink(o.socket.c_str());
  return kExitOk;
}

}  // namespace posta::authd
