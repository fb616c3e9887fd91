#include "daemon/daemon.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <vector>

#include "io/fd.h"
#include "log/log.h"

namespace posta {

Result<Identity> resolve_user(const std::string& user, const std::string& group) {
  std::vector<char> buf(16384);
  passwd pw{}, *pwp = nullptr;
  if (::getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &pwp) != 0 || !pwp)
    return fail("unknown user " + user);
  Identity id{pw.pw_uid, pw.pw_gid, pw.pw_dir ? pw.pw_dir : "/"};
  if (!group.empty()) {
    struct group gr{}, *grp = nullptr;
    std::vector<char> gbuf(16384);
    if (::getgrnam_r(group.c_str(), &gr, gbuf.data(), gbuf.size(), &grp) != 0 || !grp)
      return fail("unknown group " + group);
    id.gid = gr.gr_gid;
  }
  return id;
}

Status drop_privileges(const Identity& id, const std::string& chroot_dir) {
  if (!chroot_dir.empty()) {
    if (::chroot(chroot_dir.c_str()) != 0) return fail_sys("unable to chroot to " + chroot_dir);
    if (::chdir("/") != 0) return fail_sys("unable to chdir to /");
  }
  gid_t g = id.gid;
  if (::setgroups(1, &g) != 0) return fail_sys("unable to setgroups");
  if (::setgid(id.gid) != 0) return fail_sys("unable to setgid");
  if (::setuid(id.uid) != 0) return fail_sys("unable to setuid");
  if (id.uid != 0 && (::setuid(0) == 0 || ::geteuid() == 0))
    return fail("privileges could be regained after setuid");
  return {};
}

Status drop_to(const std::string& user, const std::string& group) {
  if (::geteuid() != 0 || user.empty()) return {};
  auto id = resolve_user(user, group);
  if (!id) return std::unexpected(id.error());
  return drop_privileges(*id);
}

Status become_instance_owner(const std::string& home) {
  if (::geteuid() != 0) return {};
  struct stat st;
  if (::stat(home.c_str(), &st) != 0) return fail_sys("unable to stat " + home);
  if (st.st_uid == 0) return {};
  std::vector<char> buf(16384);
  passwd pw{}, *pwp = nullptr;
  Identity id{st.st_uid, st.st_gid, home};
  if (::getpwuid_r(st.st_uid, &pw, buf.data(), buf.size(), &pwp) == 0 && pwp) id.gid = pw.pw_gid;
  return drop_privileges(id);
}

std::optional<int> readiness_fd(std::optional<int> given) {
  std::optional<int> fd = given;
  if (!fd) {
    auto s = read_file("notification-fd", 64);
    if (!s) return std::nullopt;
    int n = -1;
    auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), n);
    if (ec != std::errc() || n < 0) return std::nullopt;
    fd = n;
  }
  // A supervisor without readiness support (daemontools' supervise) leaves the descriptor
  // closed; the number is then free for our own sockets and must never be written to.
  if (*fd <= 2 || ::fcntl(*fd, F_GETFD) < 0) {
    log::warning("readiness fd ", *fd, " is not open: running without readiness notification");
    return std::nullopt;
  }
  set_cloexec(*fd, true);
  return fd;
}

void notify_ready(std::optional<int> fd) {
  if (!fd) return;
  (void)write_all(*fd, "\n");
  ::close(*fd);
}

void ignore_sigpipe() { ::signal(SIGPIPE, SIG_IGN); }

}  // namespace posta
