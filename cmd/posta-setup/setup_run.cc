// posta-setup's steps, in order: check, directories, control, services, TLS, ownership,
// hooks, domain, marker. The marker is written last, so an interrupted run can be redone.
#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <algorithm>
#include <climits>
#include <cstdlib>

#include "base/exitcode.h"
#include "control/control.h"
#include "proc/privilege.h"
#include "io/fd.h"
#include "log/log.h"
#include "proc/child.h"
#include "setup.h"

namespace posta::setup {

namespace {

const char* kMarker = "/.posta-setup";

bool exists(const std::string& p) {
  struct stat st;
  return ::lstat(p.c_str(), &st) == 0;
}

bool valid_domain(const std::string& d) {
  if (d.empty() || d.size() > 253 || d.front() == '.' || d.back() == '.' ||
      d.find("..") != std::string::npos)
    return false;
  for (char c : d)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.') return false;
  return true;
}

// An absolute path for home, whose parent must exist.
Result<std::string> absolute_home(const std::string& home) {
  if (home.empty()) return fail("--home is empty");
  std::string h = strip_trailing_slash(home);
  std::string parent = dirname_of(h), base = h.substr(h.rfind('/') + 1);
  if (h.find('/') == std::string::npos) parent = ".", base = h;
  char buf[PATH_MAX];
  if (!::realpath(parent.c_str(), buf)) return fail_sys("unable to resolve " + parent);
  std::string p = buf;
  return (p == "/" ? "" : p) + "/" + base;
}

Status make_dirs(const std::string& home, bool system) {
  const std::pair<const char*, mode_t> dirs[] = {
      {"", 0755},       {"/control", 0755}, {"/db", 0750},  {"/queue", 0750},
      {"/mail", 0750},  {"/tls", system ? mode_t(0750) : mode_t(0700)},
      {"/service", 0755}, {"/log", 0755}};
  for (auto& [d, mode] : dirs) {
    std::string p = home + d;
    if (::mkdir(p.c_str(), mode) != 0 && errno != EEXIST) return fail_sys("unable to create " + p);
  }
  return {};
}

TemplateVars make_vars(const Options& o, const std::string& home, const std::string& bindir,
                       const Owner& ow) {
  TemplateVars v;
  v.port_base = o.port_base;
  // a system instance runs its programs through home/bin (the set-id copies live there)
  v.values = {{"BIN", o.system ? home + "/bin" : bindir},
              {"HOME", home},
              {"IP", o.ip},
              {"BASE", std::to_string(o.port_base)},
              {"USER", ow.user},
              {"GROUP", ow.group},
              {"DOMAIN", o.domain}};
  for (auto& [role, name] : system_roles()) v.values[role] = o.system ? name : ow.user;
  return v;
}

// Recorded settings of an existing instance (key=value lines of .posta-setup).
std::string recorded(const std::string& text, const std::string& key) {
  for (auto& l : split(text, '\n'))
    if (l.starts_with(key + "=")) return l.substr(key.size() + 1);
  return {};
}

std::string marker_text(const Options& o, const std::string& bindir, const Owner& ow) {
  return log::cat("# written by posta-setup; do not edit\ndomain=", o.domain, "\nport_base=",
                  o.port_base, "\nip=", o.ip, "\nbin=", bindir, "\nuser=", ow.user,
                  "\nsystem=", o.system ? 1 : 0, "\n");
}

// Runs every executable in etc/setup.d in name order as the owner.
Status run_hooks(const std::string& etc, const std::string& home, const std::string& bindir,
                 const Options& o, const Owner& ow) {
  std::string dir = etc + "/setup.d";
  // No setup.d: no hooks.
  for (auto& n : list_dir(dir).value_or(std::vector<std::string>{})) {
    std::string p = dir + "/" + n;
    if (::access(p.c_str(), X_OK) != 0) continue;
    auto r = run_as_owner({p}, {"POSTA_HOME=" + home, "POSTA_BIN=" + bindir,
                                "POSTA_DOMAIN=" + o.domain}, ow);
    if (!r) return std::unexpected(r.error());
    if (*r != 0) return fail("setup hook " + p + " failed with exit " + std::to_string(*r));
  }
  return {};
}

Status add_domain(const std::string& home, const std::string& bindir, const Options& o,
                  const Owner& ow) {
  std::string tool = bindir + "/posta-domain";
  if (::access(tool.c_str(), X_OK) != 0) return {};
  auto r = run_as_owner({tool, "add", o.domain},
                        {"POSTA_HOME=" + home, "POSTA_BIN=" + bindir}, ow);
  if (!r) return std::unexpected(r.error());
  if (*r != 0 && *r != kExitNotFound)
    return fail("posta-domain add " + o.domain + " failed with exit " + std::to_string(*r));
  return {};
}

void sync_tree(const std::string& home) {
  Fd fd(::open(home.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd) ::syncfs(fd.get());
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (auto& x : v) s += (s.empty() ? "" : " ") + x;
  return s.empty() ? "none" : s;
}

Status chown_system(const std::string& home, const Owner& ow) {
  const std::pair<const char*, std::string> dirs[] = {{"/tls", "posta-tls"}, {"/log", ow.user}};
  for (auto& [d, user] : dirs) {
    auto id = lookup_credentials(user);
    if (!id) return std::unexpected(id.error());
    Owner o2{user, ow.group, id->uid, id->gid, true};
    if (auto s = chown_tree(home + d, o2); !s) return s;
  }
  return system_layout(home);
}

// System mode: hooks run as root (they may touch every role's directory), then each
// directory goes to its role's user; the databases are made by the admin (root) in the
// set-group-id db/, so that every role can open them (INTERNALS.md "## System mode").
Status system_steps(const std::string& etc, const std::string& home, const std::string& bindir,
                    const Options& o, const Owner& ow) {
  Owner root{"root", "root", 0, 0, false};
  if (auto s = run_hooks(etc, home, bindir, o, root); !s) return s;
  if (auto s = chown_system(home, ow); !s) return s;
  return add_domain(home, bindir, o, root);
}

Status refresh_services(const std::string& etc, const std::string& home, const Options& o,
                        const std::string& text) {
  Options r = o;
  r.domain = recorded(text, "domain");
  r.port_base = std::atol(recorded(text, "port_base").c_str());
  r.ip = recorded(text, "ip");
  r.system = recorded(text, "system") == "1";
  std::string bindir = recorded(text, "bin");
  if (r.domain.empty() || bindir.empty()) return fail(home + kMarker + " is incomplete");
  auto ow = resolve_owner(r);
  if (!ow) return std::unexpected(ow.error());
  if (r.system)
    if (auto s = install_system_bin(home, bindir); !s) return s;
  auto vars = make_vars(r, home, bindir, *ow);
  auto svcs = install_services(etc, home, vars, true);
  if (!svcs) return std::unexpected(svcs.error());
  auto ctl = install_control(etc, home, vars);
  if (!ctl) return std::unexpected(ctl.error());
  if (auto s = install_spam(etc, home); !s) return s;
  if (ow->chown) {
    for (const char* d : {"/service", "/control", "/log", "/spam"})
      if (auto s = chown_tree(home + d, *ow); !s) return s;
  } else if (r.system) {
    if (auto s = chown_tree(home + "/log", *ow); !s) return s;
    if (auto s = system_spam_layout(home); !s) return s;
  }
  sync_tree(home);
  log::info("refreshed services: ", join(*svcs), "; new control files: ", join(*ctl));
  return {};
}

Status create(const Options& o, const std::string& home, const std::string& bindir,
              const std::string& etc) {
  auto ow = resolve_owner(o);
  if (!ow) return std::unexpected(ow.error());
  if (auto s = make_dirs(home, o.system); !s) return s;
  if (o.system) {
    if (auto s = install_system_bin(home, bindir); !s) return s;
  } else if (!exists(home + "/bin") && ::symlink(bindir.c_str(), (home + "/bin").c_str()) != 0) {
    return fail_sys("unable to link " + home + "/bin");
  }
  auto vars = make_vars(o, home, bindir, *ow);
  auto ctl = install_control(etc, home, vars);
  if (!ctl) return std::unexpected(ctl.error());
  if (auto s = install_spam(etc, home); !s) return s;
  auto svcs = install_services(etc, home, vars, false);
  if (!svcs) return std::unexpected(svcs.error());
  if (!exists(home + "/tls/cert.pem") || !exists(home + "/tls/key.pem")) {
    if (auto s = make_certificate(home + "/tls", {o.domain, "localhost", o.ip}); !s) return s;
  }
  check_reachable(home, *ow);
  if (o.system) {
    if (auto s = system_steps(etc, home, bindir, o, *ow); !s) return s;
  } else {
    if (ow->chown) {
      if (auto s = chown_tree(home, *ow); !s) return s;
    }
    if (auto s = run_hooks(etc, home, bindir, o, *ow); !s) return s;
    if (auto s = add_domain(home, bindir, o, *ow); !s) return s;
  }
  sync_tree(home);
  if (auto s = write_file_atomic(home + kMarker, marker_text(o, bindir, *ow), 0644); !s) return s;
  if (ow->chown && ::lchown((home + kMarker).c_str(), ow->uid, ow->gid) != 0)
    return fail_sys("unable to chown " + home + kMarker);
  log::info("created instance ", home, " for ", o.domain, " (user ", ow->user, ", port base ",
            o.port_base, ", ip ", o.ip, ")");
  log::info("services: ", join(*svcs));
  return {};
}

}  // namespace

int run(const Options& opt) {
  Options o = opt;
  auto home = absolute_home(o.home);
  if (!home) log::fatal(kExitTemporary, home.error().what);
  if (o.system && ::geteuid() != 0) log::fatal(kExitTemporary, "--system needs root");
  o.domain = lower(o.domain);
  if (!o.update_services && !valid_domain(o.domain))
    log::fatal(kExitUsage, "invalid domain: " + log::printable(o.domain));
  if (o.port_base < 0) o.port_base = o.system ? 0 : 10000;
  // the highest service port is base+4190 (managesieve)
  if (o.port_base > 61345) log::fatal(kExitUsage, "port base too large (max 61345)");
  unsigned char ipbuf[16];
  if (::inet_pton(AF_INET, o.ip.c_str(), ipbuf) != 1 && ::inet_pton(AF_INET6, o.ip.c_str(), ipbuf) != 1)
    log::fatal(kExitUsage, "invalid IP address: " + log::printable(o.ip));
  char buf[PATH_MAX];
  std::string bindir = o.bindir.empty() ? self_dir() : o.bindir;
  if (::realpath(bindir.c_str(), buf)) bindir = buf;
  std::string etc = find_etc_dir(bindir);
  if (etc.empty()) log::fatal(kExitTemporary, "unable to find the etc/ templates (set POSTA_ETC)");
  if (::realpath(etc.c_str(), buf)) etc = buf;
  ::umask(022);
  if (auto text = read_file(*home + kMarker, 1 << 16)) {
    if (!o.update_services) {
      log::info("instance ", *home, " exists; nothing changed (--update-services refreshes "
                "its service directories)");
      return kExitOk;
    }
    if (auto s = refresh_services(etc, *home, o, *text); !s) log::fatal(kExitTemporary, s.error().what);
    return kExitOk;
  }
  if (o.update_services) log::fatal(kExitNotFound, *home + " is not a posta instance");
  if (auto s = create(o, *home, bindir, etc); !s) log::fatal(kExitTemporary, s.error().what);
  return kExitOk;
}

}  // namespace posta::setup
