#include "proc/privilege.h"

#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

namespace posta {
namespace {

constexpr size_t kPwBuf = 16384;

}  // namespace

Result<gid_t> group_id(const std::string& name) {
  std::vector<char> buf(kPwBuf);
  struct group gr{}, *grp = nullptr;
  if (::getgrnam_r(name.c_str(), &gr, buf.data(), buf.size(), &grp) != 0 || !grp)
    return fail("unknown group " + name);
  return gr.gr_gid;
}

Result<Credentials> lookup_credentials(const std::string& user, const std::string& group,
                                       const std::vector<std::string>& extra_groups) {
  std::vector<char> buf(kPwBuf);
  passwd pw{}, *pwp = nullptr;
  if (::getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &pwp) != 0 || !pwp)
    return fail("unknown user " + user);
  Credentials c{pw.pw_uid, pw.pw_gid, {}};
  if (!group.empty()) {
    auto gid = group_id(group);
    if (!gid) return std::unexpected(gid.error());
    c.gid = *gid;
  }
  c.groups.push_back(c.gid);
  for (auto& g : extra_groups) {
    auto gid = group_id(g);
    if (!gid) return std::unexpected(gid.error());
    c.groups.push_back(*gid);
  }
  return c;
}

Status assume(const Credentials& c) {
  if (::setgroups(c.groups.size(), c.groups.data()) != 0) return fail_sys("unable to setgroups");
  if (::setresgid(c.gid, c.gid, c.gid) != 0) return fail_sys("unable to setgid");
  if (::setresuid(c.uid, c.uid, c.uid) != 0) return fail_sys("unable to setuid");
  if (c.uid != 0 && (::setuid(0) == 0 || ::geteuid() == 0))
    return fail("privileges could be regained after setuid");
  return {};
}

Status drop_to(const std::string& user, const std::string& group) {
  if (::geteuid() != 0 || user.empty()) return {};
  auto c = lookup_credentials(user, group);
  if (!c) return std::unexpected(c.error());
  return assume(*c);
}

bool system_mode(const std::string& home) {
  struct stat st;
  return ::geteuid() == 0 && ::stat(home.c_str(), &st) == 0 && st.st_uid == 0;
}

Result<Credentials> instance_owner(const std::string& home) {
  struct stat st;
  if (::stat(home.c_str(), &st) != 0) return fail_sys("unable to stat " + home);
  Credentials c{st.st_uid, st.st_gid, {}};
  std::vector<char> buf(kPwBuf);
  passwd pw{}, *pwp = nullptr;
  if (::getpwuid_r(st.st_uid, &pw, buf.data(), buf.size(), &pwp) == 0 && pwp) c.gid = pw.pw_gid;
  c.groups.push_back(c.gid);
  return c;
}

Status become_instance_owner(const std::string& home) {
  if (::geteuid() != 0) return {};
  auto owner = instance_owner(home);
  if (!owner) return std::unexpected(owner.error());
  if (owner->uid == 0) return {};
  return assume(*owner);
}

Status become_mail_store_owner(const std::string& home) {
  if (::geteuid() != 0) return {};
  struct stat st;
  std::string store = home + "/mail";
  if (::stat(store.c_str(), &st) != 0) return fail_sys("unable to stat " + store);
  if (st.st_uid == 0) return fail(store + " is owned by root; refusing to work in it as root");
  return assume(Credentials{st.st_uid, st.st_gid, {st.st_gid}});
}

bool running_setuid() { return ::getuid() != ::geteuid() || ::getgid() != ::getegid(); }

std::optional<uid_t> user_id(const std::string& name) {
  std::vector<char> buf(kPwBuf);
  passwd pw{}, *res = nullptr;
  if (::getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &res) != 0 || !res) return std::nullopt;
  return pw.pw_uid;
}

bool caller_speaks_for_network() {
  if (!running_setuid()) return true;
  uid_t caller = ::getuid();
  return caller == 0 || user_id(kDaemonUser) == caller;
}

Result<std::optional<std::string>> settle_setuid_instance() {
  if (!running_setuid()) return std::optional<std::string>();
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return fail_sys("unable to read /proc/self/exe");
  std::string exe(buf, static_cast<size_t>(n));
  std::string bin = exe.substr(0, exe.rfind('/'));
  std::string home = bin.substr(0, bin.rfind('/'));
  if (bin.empty() || home.empty()) return fail("setuid program outside an instance: " + exe);
  ::setenv("POSTA_HOME", home.c_str(), 1);
  ::setenv("POSTA_BIN", bin.c_str(), 1);
  return std::optional<std::string>(home);
}

}  // namespace posta
