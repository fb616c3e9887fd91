// The daemon skeleton every long-running posta program calls, in this order:
// resolve user, chroot, drop privileges, signals, readiness, event loop.
#pragma once
#include <sys/types.h>

#include <optional>
#include <string>

#include "base/error.h"

namespace posta {

struct Identity {
  uid_t uid = 0;
  gid_t gid = 0;
  std::string home;
};

// Looks up a user (and optionally a group by name, else the user's primary group).
[[nodiscard]] Result<Identity> resolve_user(const std::string& user, const std::string& group = "");

// Optional chroot, then setgroups/setgid/setuid, then verifies that root cannot be regained.
[[nodiscard]] Status drop_privileges(const Identity& id, const std::string& chroot_dir = "");

// Drops to user (and group) when running as root; does nothing for an unprivileged process.
[[nodiscard]] Status drop_to(const std::string& user, const std::string& group = "");

// A rootless instance run by root (as in CI) still never runs anything as root: when euid is
// 0 and home is owned by another user, switch to that user (and its group) for good.
// System-mode instances (home owned by root) are left alone.
[[nodiscard]] Status become_instance_owner(const std::string& home);

// s6 readiness: the fd given (e.g. by -d), else the number in ./notification-fd if the
// supervisor asked for one; nullopt when nobody listens. An fd that is not open (daemontools,
// or a run script started by hand) gives nullopt and one warning. Call it before the program
// opens any descriptor of its own, so that a closed readiness fd is never mistaken for one.
// The fd returned is close-on-exec.
std::optional<int> readiness_fd(std::optional<int> given);
// Writes "\n" to the fd and closes it.
void notify_ready(std::optional<int> fd);

// SIGPIPE ignored: writes to a closed peer return EPIPE instead of killing us.
void ignore_sigpipe();

}  // namespace posta
