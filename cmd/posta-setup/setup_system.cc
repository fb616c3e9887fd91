// --system: the shared groups, the instance's own bin/ with its set-id copies, and the
// owners and modes of the spool, the databases and the mail store (INTERNALS.md
// "## System mode").
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "io/fd.h"
#include "log/log.h"
#include "proc/child.h"
#include "proc/privilege.h"
#include "queue/spool.h"
#include "setup.h"

namespace posta::setup {

namespace {

Result<uid_t> user_id(const std::string& name) {
  auto id = lookup_credentials(name);
  if (!id) return std::unexpected(id.error());
  return id->uid;
}

// Creates a system group unless it exists; a parallel posta-setup may win the race.
Status ensure_group(const std::string& name) {
  if (group_id(name)) return {};
  log::info("creating system group ", name);
  auto c = spawn({"groupadd", "--system", name});
  if (!c) return std::unexpected(c.error());
  auto st = c->wait();
  if (group_id(name)) return {};
  return fail("unable to create system group " + name + " (groupadd " +
              (st ? st->describe() : std::string("failed")) + ")");
}

// Owner, group and mode of an existing file; chown first, it clears set-id bits.
Status own_file(const std::string& path, const std::string& user, const std::string& group, mode_t mode) {
  auto u = user_id(user);
  if (!u) return std::unexpected(u.error());
  auto g = group_id(group);
  if (!g) return std::unexpected(g.error());
  if (::lchown(path.c_str(), *u, *g) != 0) return fail_sys("unable to chown " + path);
  if (::chmod(path.c_str(), mode) != 0) return fail_sys("unable to chmod " + path);
  return {};
}

// A directory: mkdir (if missing), then owner, group and mode.
Status place(const std::string& path, const std::string& user, const std::string& group, mode_t mode) {
  if (::mkdir(path.c_str(), mode & 07777) != 0 && errno != EEXIST) return fail_sys("unable to create " + path);
  return own_file(path, user, group, mode);
}

// A private copy of a program, then its owner and set-id mode, then rename into place.
Status install_copy(const std::string& from, const std::string& to, const std::string& user,
                    const std::string& group, mode_t mode) {
  auto data = read_file(from, 256 << 20);
  if (!data) return std::unexpected(data.error());
  std::string tmp = to + ".tmp";
  ::unlink(tmp.c_str());
  {
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0700));
    if (!fd) return fail_sys("unable to create " + tmp);
    if (auto w = write_all(fd.get(), *data); !w) return w;
  }
  if (auto s = own_file(tmp, user, group, mode); !s) return s;
  if (::rename(tmp.c_str(), to.c_str()) != 0) return fail_sys("unable to rename " + tmp);
  return {};
}

// The set-id programs of a system instance and who they run as (posta-setup(8)).
struct SetidProgram {
  const char* name;
  const char* user;
  const char* group;
  mode_t mode;
};
const SetidProgram kSetid[] = {
    // every local user may inject mail (posta-sendmail); it runs as the queue user
    {"posta-queue", "posta-q", "root", 04711},
    // only the pre-auth servers (group posta) may run it; root to read the secrets and to
    // become the mail store owner after a login
    {"posta-auth", "root", kDbGroup, 04750},
    // the content filter posta-smtpd (group posta) runs as its queue program; it runs as
    // posta-c, which holds no key and no password and reaches the spool only through
    // posta-queue
    {"posta-spamcheck", "posta-c", kDbGroup, 04750},
};

// posta-sendmail is run by anyone, often as /usr/sbin/sendmail, without the instance's
// environment; /proc/self/exe of a symbolic link names the build directory, whose
// posta-queue is not the set-user-id copy. So bin/posta-sendmail is a wrapper that names
// the instance.
const char* kWrapped = "posta-sendmail";

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

Status install_wrapper(const std::string& home, const std::string& target, const std::string& to) {
  std::string text = "#!/bin/sh\n# Written by posta-setup --system: the instance of this sendmail.\n"
                     "POSTA_HOME=" + shell_quote(home) + " POSTA_BIN=" + shell_quote(home + "/bin") +
                     " exec " + shell_quote(target) + " \"$@\"\n";
  std::string tmp = to + ".tmp";
  ::unlink(tmp.c_str());
  {
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755));
    if (!fd) return fail_sys("unable to create " + tmp);
    if (auto w = write_all(fd.get(), text); !w) return w;
    if (::fchmod(fd.get(), 0755) != 0) return fail_sys("unable to chmod " + tmp);
  }
  if (::rename(tmp.c_str(), to.c_str()) != 0) return fail_sys("unable to rename " + tmp);
  return {};
}

bool is_setid(const std::string& name) {
  return std::any_of(std::begin(kSetid), std::end(kSetid), [&](auto& p) { return name == p.name; });
}

// An instance made before: files of the directory (the published copy written before the
// directory had its group) get the group and mode its readers need.
Status group_files(const std::string& dir, const std::string& group, mode_t mode) {
  auto names = list_dir(dir);
  if (!names) return std::unexpected(names.error());
  for (auto& n : *names)
    if (n.ends_with(".db"))
      if (auto s = own_file(dir + "/" + n, "root", group, mode); !s) return s;
  return {};
}

}  // namespace

Status ensure_system_groups() {
  for (const char* g : {kDbGroup, kSpoolGroup})
    if (auto s = ensure_group(g); !s) return s;
  return {};
}

Status install_system_bin(const std::string& home, const std::string& bindir) {
  std::string bin = home + "/bin";
  struct stat st;
  if (::lstat(bin.c_str(), &st) == 0 && S_ISLNK(st.st_mode) && ::unlink(bin.c_str()) != 0)
    return fail_sys("unable to replace the link " + bin);
  if (auto s = place(bin, "root", "root", 0755); !s) return s;
  auto names = list_dir(bindir);
  if (!names) return std::unexpected(names.error());
  for (auto& n : *names) {
    std::string src = bindir + "/" + n, dst = bin + "/" + n;
    if (!n.starts_with("posta-") || is_setid(n) || ::access(src.c_str(), X_OK) != 0) continue;
    if (n == kWrapped) {
      if (auto s = install_wrapper(home, src, dst); !s) return s;
      continue;
    }
    std::string tmp = dst + ".tmp";
    ::unlink(tmp.c_str());
    if (::symlink(src.c_str(), tmp.c_str()) != 0 || ::rename(tmp.c_str(), dst.c_str()) != 0)
      return fail_sys("unable to link " + dst);
  }
  for (auto& p : kSetid) {
    std::string src = bindir + "/" + p.name;
    if (::access(src.c_str(), X_OK) != 0) continue;
    if (auto s = install_copy(src, bin + "/" + p.name, p.user, p.group, p.mode); !s) return s;
  }
  return {};
}

Status system_layout(const std::string& home) {
  std::string q = home + "/queue";
  // Only posta-queue (setuid posta-q) creates messages; the set-group-id directories give
  // every file the spool group, whatever the caller's group was.
  struct Dir {
    const char* sub;
    const char* user;
    mode_t mode;
  };
  const Dir dirs[] = {{"", "posta-q", 0750},           {"/mess", "posta-q", 02750},
                      {"/intd", "posta-q", 02750},     {"/todo", "posta-q", 02770},
                      {"/info", "posta-s", 02770},     {"/state", "posta-s", 02770},
                      {"/lock", "posta-q", 02770}};
  for (auto& d : dirs)
    if (auto s = place(q + d.sub, d.user, kSpoolGroup, d.mode); !s) return s;
  std::string trigger = queue::Spool(q).trigger();
  if (::mkfifo(trigger.c_str(), 0660) != 0 && errno != EEXIST) return fail_sys("unable to create " + trigger);
  if (auto s = own_file(trigger, "posta-q", kSpoolGroup, 0660); !s) return s;
  // The databases are root's alone: joining a Berkeley DB environment means writing it, so a
  // role that could open db/ could rewrite users.db. The roles read the published copy,
  // accounts/ (INTERNALS.md "## System mode").
  if (auto s = place(home + "/db", "root", "root", 0700); !s) return s;
  if (auto s = place(home + "/accounts", "root", kDbGroup, 02750); !s) return s;
  if (auto s = group_files(home + "/accounts", kDbGroup, 0640); !s) return s;
  if (auto s = place(home + "/mail", "posta-v", kDbGroup, 0700); !s) return s;
  return system_spam_layout(home);
}

Status system_spam_layout(const std::string& home) {
  if (auto s = place(home + "/spam", "posta-c", kDbGroup, 0750); !s) return s;
  if (auto s = place(home + "/spam/tmp", "posta-c", kDbGroup, 0700); !s) return s;
  // Learning requests: posta-imapd (posta-v, group posta) adds files to tmp/ and renames them
  // into new/, but may neither list nor remove them; the files get the group posta, through
  // which the learner (posta-c) reads them (lib/spam/learn_queue.h).
  if (auto s = place(home + "/spam/learn", "posta-c", kDbGroup, 0710); !s) return s;
  for (const char* d : {"/spam/learn/tmp", "/spam/learn/new"})
    if (auto s = place(home + d, "posta-c", kDbGroup, 03730); !s) return s;
  std::string rules = home + "/spam/rules";
  if (::access(rules.c_str(), F_OK) == 0)
    if (auto s = own_file(rules, "posta-c", kDbGroup, 0644); !s) return s;
  return {};
}

}  // namespace posta::setup
