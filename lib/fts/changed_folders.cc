#include "fts/changed_folders.h"

#include <dirent.h>
#include <fcntl.h>
#include <openssl/sha.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

#include "base/c_ptr.h"
#include "base/hex.h"
#include "io/fd.h"
#include "mailstore/store_dir.h"

namespace posta::fts {
namespace {

constexpr const char* kDirName = ".fts-changed";
constexpr size_t kMaxPath = 4096;

std::string mark_name(const std::string& folder) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(folder.data()), folder.size(), md);
  return hex_encode(std::string_view(reinterpret_cast<const char*>(md), 16));
}

}  // namespace

std::string changed_dir(const std::string& home) { return home + "/mail/" + kDirName; }

Status mark_changed(const std::string& home, const std::string& folder) {
  if (folder.empty() || folder[0] != '/' || folder.size() > kMaxPath || folder.find('\n') != std::string::npos)
    return fail("not a folder path: " + folder);
  auto dir = mailstore::ensure_store_dir(home, kDirName);
  if (!dir) return std::unexpected(dir.error());
  static std::atomic<unsigned> n{0};
  std::string tmp = *dir + "/.tmp." + std::to_string(::getpid()) + "." + std::to_string(n++);
  {
    auto fd = open_fd(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (!fd) return std::unexpected(fd.error());
    if (auto s = write_all(fd->get(), folder + "\n"); !s) {
      ::unlink(tmp.c_str());
      return s;
    }
  }
  if (::rename(tmp.c_str(), (*dir + "/" + mark_name(folder)).c_str()) != 0) {
    auto err = fail_sys("unable to mark " + folder + " in " + *dir);
    ::unlink(tmp.c_str());
    return err;
  }
  return {};
}

bool any_changed(const std::string& home) {
  CPtr<DIR, ::closedir> d(::opendir(changed_dir(home).c_str()));
  if (!d) return false;
  while (dirent* e = ::readdir(d.get()))
    if (e->d_name[0] != '.') return true;
  return false;
}

Result<std::vector<std::string>> take_changed(const std::string& home) {
  std::string dir = changed_dir(home);
  std::vector<std::string> names;
  {
    CPtr<DIR, ::closedir> d(::opendir(dir.c_str()));
    if (!d) {
      if (errno == ENOENT) return std::vector<std::string>{};
      return fail_sys("unable to open " + dir);
    }
    while (dirent* e = ::readdir(d.get()))
      if (e->d_name[0] != '.') names.emplace_back(e->d_name);
  }
  std::vector<std::string> folders;
  for (const auto& name : names) {
    std::string path = dir + "/" + name;
    auto fd = open_fd(path, O_RDONLY | O_CLOEXEC);
    if (!fd) continue;  // taken by another taker
    char buf[kMaxPath + 2];
    ssize_t got = ::read(fd->get(), buf, sizeof buf);
    if (::unlink(path.c_str()) != 0 && errno == ENOENT) continue;
    if (got < 2 || buf[0] != '/' || buf[got - 1] != '\n') continue;
    std::string folder(buf, static_cast<size_t>(got - 1));
    if (folder.find('\n') == std::string::npos) folders.push_back(std::move(folder));
  }
  return folders;
}

}  // namespace posta::fts
