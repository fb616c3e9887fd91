#include "accounts/mailbox.h"

#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "base/strings.h"
#include "io/fd.h"
#include "maildir/maildir.h"

namespace posta::accounts {
namespace {

// mkdir that gives a new directory the owner of the directory above it, so that a tool
// run as root in a system instance leaves the mail store owner's tree alone.
Status make_dir(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) != 0) {
    if (errno == EEXIST) {
      struct stat st;
      if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return {};
      return fail(path + " exists and is not a directory");
    }
    return fail_sys("unable to create " + path);
  }
  if (::geteuid() == 0) {
    struct stat up;
    if (::stat(dirname_of(path).c_str(), &up) == 0 && ::lchown(path.c_str(), up.st_uid, up.st_gid) != 0)
      return fail_sys("unable to chown " + path);
  }
  return {};
}

Status make_parents(const std::string& dir) {
  if (dir.empty() || dir == "/") return {};
  struct stat st;
  if (::stat(dir.c_str(), &st) == 0) return {};
  if (auto s = make_parents(dirname_of(dir)); !s) return s;
  return make_dir(dir);
}

Status make_file(const std::string& path, std::string_view data) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) return {};
  // Not fsynced: a marker lost in a crash is recreated by the next create_maildir, and
  // bulk imports would otherwise pay six fsyncs per user.
  auto fd = open_fd(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (!fd) return std::unexpected(fd.error());
  if (auto s = write_all(fd->get(), data); !s) return s;
  if (::geteuid() == 0 && ::stat(dirname_of(path).c_str(), &st) == 0 &&
      ::lchown(path.c_str(), st.st_uid, st.st_gid) != 0)
    return fail_sys("unable to chown " + path);
  return {};
}

Status make_maildir_dirs(const std::string& dir) {
  if (auto s = make_dir(dir); !s) return s;
  for (const char* sub : {"/tmp", "/new", "/cur"})
    if (auto s = make_dir(dir + sub); !s) return s;
  return {};
}

int remove_entry(const char* path, const struct stat*, int type, struct FTW*) {
  int r = (type == FTW_DP) ? ::rmdir(path) : ::unlink(path);
  return r == 0 || errno == ENOENT ? 0 : -1;
}

}  // namespace

Status create_maildir(const std::string& maildir) {
  std::string root = strip_trailing_slash(maildir);
  if (root.empty() || root[0] != '/') return fail("Maildir path must be absolute: " + maildir);
  if (auto s = make_parents(dirname_of(root)); !s) return s;
  if (auto s = make_maildir_dirs(root); !s) return s;
  std::string subs;
  for (const auto& f : maildir::default_folders()) {
    std::string dir = maildir::folder_dir(root, f);
    if (auto s = make_maildir_dirs(dir); !s) return s;
    if (auto s = make_file(dir + "/maildirfolder", ""); !s) return s;
    subs += f + "\n";
  }
  return make_file(root + "/subscriptions", subs);
}

Status remove_maildir(const std::string& maildir) {
  std::string root = strip_trailing_slash(maildir);
  if (root.empty() || root == "/" || root[0] != '/') return fail("refusing to remove " + maildir);
  struct stat st;
  if (::lstat(root.c_str(), &st) != 0) {
    if (errno == ENOENT) return {};
    return fail_sys("unable to stat " + root);
  }
  if (::nftw(root.c_str(), remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
    return fail_sys("unable to remove " + root);
  return {};
}

}  // namespace posta::accounts
