// The user an instance runs as: creating it, chowning to it, running tools as it.
#include <ftw.h>
#include <cstring>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "control/control.h"
#include "log/log.h"
#include "proc/child.h"
#include "proc/privilege.h"
#include "setup.h"

namespace posta::setup {

namespace {

std::string user_name(uid_t uid) {
  std::vector<char> buf(16384);
  passwd pw{}, *pwp = nullptr;
  if (::getpwuid_r(uid, &pw, buf.data(), buf.size(), &pwp) == 0 && pwp) return pw.pw_name;
  return std::to_string(uid);
}

std::string group_name(gid_t gid) {
  std::vector<char> buf(16384);
  struct group gr{}, *grp = nullptr;
  if (::getgrgid_r(gid, &gr, buf.data(), buf.size(), &grp) == 0 && grp) return gr.gr_name;
  return std::to_string(gid);
}

// Creates a system user unless it exists; a parallel posta-setup may win the race.
Status ensure_system_user(const std::string& name) {
  if (lookup_credentials(name)) return {};
  log::info("creating system user ", name);
  auto c = spawn({"useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent",
                  "--shell", "/usr/sbin/nologin", name});
  if (!c) return std::unexpected(c.error());
  auto st = c->wait();
  if (lookup_credentials(name)) return {};
  return fail("unable to create system user " + name + " (useradd " +
              (st ? st->describe() : std::string("failed")) + ")");
}

// The instance's owner for nftw's callback (nftw passes no user pointer).
const Owner* g_owner = nullptr;

int chown_one(const char* path, const struct stat*, int, FTW*) {
  if (::lchown(path, g_owner->uid, g_owner->gid) != 0) {
    log::warning("unable to chown ", path, ": ", std::strerror(errno));
    return 1;
  }
  return 0;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> system_roles() {
  return {{"USER_D", "posta-d"}, {"USER_Q", "posta-q"}, {"USER_S", "posta-s"},
          {"USER_R", "posta-r"}, {"USER_V", "posta-v"}, {"USER_TLS", "posta-tls"},
          {"USER_C", "posta-c"}};
}

Result<Owner> resolve_owner(const Options& o) {
  Owner ow;
  if (::geteuid() != 0) {
    if (o.system) return fail("--system needs root");
    ow.uid = ::geteuid();
    ow.gid = ::getegid();
    ow.user = user_name(ow.uid);
    ow.group = group_name(ow.gid);
    return ow;
  }
  if (o.system) {
    if (auto s = ensure_system_groups(); !s) return std::unexpected(s.error());
    for (auto& [role, name] : system_roles())
      if (auto s = ensure_system_user(name); !s) return std::unexpected(s.error());
  }
  std::string name = o.user.empty() ? (o.system ? "posta-d" : "posta") : o.user;
  if (auto s = ensure_system_user(name); !s) return std::unexpected(s.error());
  auto id = lookup_credentials(name);
  if (!id) return std::unexpected(id.error());
  ow.user = name;
  ow.uid = id->uid;
  ow.gid = id->gid;
  if (o.system) {
    // the pre-auth servers run in the database group (posta-tcpd -g, the tlsd socket)
    auto g = lookup_credentials(name, kDbGroup);
    if (!g) return std::unexpected(g.error());
    ow.gid = g->gid;
  }
  ow.group = group_name(ow.gid);
  ow.chown = !o.system;
  return ow;
}

Status chown_tree(const std::string& dir, const Owner& ow) {
  g_owner = &ow;
  int r = ::nftw(dir.c_str(), chown_one, 32, FTW_PHYS);
  g_owner = nullptr;
  if (r != 0) return fail("unable to chown everything under " + dir + " to " + ow.user);
  return {};
}

Result<int> run_as_owner(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                         const Owner& ow) {
  pid_t pid = ::fork();
  if (pid < 0) return fail_sys("unable to fork");
  if (pid == 0) {
    if (::geteuid() == 0 && ow.uid != 0) {
      if (auto s = assume(Credentials{ow.uid, ow.gid, {ow.gid}}); !s) {
        log::error(s.error().what);
        ::_exit(111);
      }
    }
    exec_argv(argv, env);
    log::error("unable to exec ", argv[0], ": ", std::strerror(errno));
    ::_exit(111);
  }
  Child c(pid);
  auto st = c.wait();
  if (!st) return std::unexpected(st.error());
  return st->exited ? st->code : 128 + st->code;
}

void check_reachable(const std::string& dir, const Owner& ow) {
  if (::geteuid() != 0 || ow.uid == 0) return;
  // Searched as the owner (its uid, its group only, as the services run), in a child that
  // asks the kernel about each directory from / down, so the warning names the one that
  // stops it; no program is run (nothing depends on PATH or on the caller's environment).
  pid_t pid = ::fork();
  if (pid < 0) return;
  if (pid == 0) {
    if (auto s = assume(Credentials{ow.uid, ow.gid, {ow.gid}}); !s) ::_exit(111);
    std::string path;
    for (auto& part : split(dir, '/')) {
      if (part.empty()) continue;
      path += "/" + part;
      if (::access(path.c_str(), X_OK) != 0) {
        log::warning("user ", ow.user, " cannot reach ", dir, ": no search permission on ", path,
                     " (", std::strerror(errno), "); services will fail to start");
        ::_exit(1);
      }
    }
    ::_exit(0);
  }
  (void)Child(pid).wait();
}

}  // namespace posta::setup
