// Who a process runs as, and the one way a posta process changes it: look up Credentials,
// then assume() them. Also the role identities of a system-mode instance (INTERNALS.md
// "## System mode") and what a setuid program does first.
#pragma once
#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "base/error.h"

namespace posta {

// Who a process of a system-mode instance runs as (INTERNALS.md "## Programs" and
// "## System mode"): a user, its one group, and an explicit supplementary list (everything
// else the caller had, root's groups included, is dropped by assume()).
struct Credentials {
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  // setgroups() list; gid itself need not be in it
};

// The shared groups of a system-mode instance: databases and spool.
inline constexpr const char* kDbGroup = "posta";
inline constexpr const char* kSpoolGroup = "posta-spool";

// The gid of a group by name.
[[nodiscard]] Result<gid_t> group_id(const std::string& name);

// user with group as its gid (the user's primary group when group is empty), that gid and
// extra_groups as the supplementary list, all by name.
[[nodiscard]] Result<Credentials> lookup_credentials(const std::string& user, const std::string& group = "",
                                                     const std::vector<std::string>& extra_groups = {});

// setgroups(list), setgid, setuid (all of real, effective and saved), then checks that
// root cannot be regained. For a process running as root.
[[nodiscard]] Status assume(const Credentials& c);

// assume(lookup_credentials(user, group)) when running as root; does nothing for an
// unprivileged process or an empty user.
[[nodiscard]] Status drop_to(const std::string& user, const std::string& group = "");

// A system-mode instance: root runs it and its home belongs to root.
bool system_mode(const std::string& home);

// The owner of home with the owner's primary group (home's group when the owner has no
// passwd entry), as credentials to assume.
[[nodiscard]] Result<Credentials> instance_owner(const std::string& home);

// A rootless instance run by root (as in CI) still never runs anything as root: when euid is
// 0 and home is owned by another user, assume instance_owner(home) for good. System-mode
// instances and unprivileged processes are left alone.
[[nodiscard]] Status become_instance_owner(const std::string& home);

// What touches users' mailboxes (post-auth servers, admin tools writing into a Maildir) runs
// as the owner of home/mail: as root, assume that owner (uid, gid, no other group); refused
// when root owns it. Does nothing for an unprivileged process.
[[nodiscard]] Status become_mail_store_owner(const std::string& home);

// True when the program runs setuid or setgid (real and effective ids differ).
bool running_setuid();

// The uid of the user called name; nullopt for an unknown user.
std::optional<uid_t> user_id(const std::string& name);

// The daemon user of a system-mode instance: the one role whose programs speak to the network.
inline constexpr const char* kDaemonUser = "posta-d";

// Whether the caller of a set-id program may state where a connection came from
// (TCPREMOTEIP and the like): true when the program is not set-id (the caller is the
// instance's own user) or the real uid is root or kDaemonUser. Anyone else's environment is
// forgeable audit data.
bool caller_speaks_for_network();

// For a setuid copy installed as $POSTA_HOME/bin/<program> by posta-setup --system: the
// caller's environment does not choose the instance. Sets POSTA_HOME to the directory above
// the binary's own (from /proc/self/exe) and POSTA_BIN to the binary's directory, and returns
// that home; nullopt (and nothing changed) when not running setuid. An error when the binary's
// path cannot be read.
[[nodiscard]] Result<std::optional<std::string>> settle_setuid_instance();

}  // namespace posta
