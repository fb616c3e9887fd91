// flock(2) on a folder's lock files, held for the lifetime of the object.
#pragma once
#include <sys/file.h>

#include <cerrno>
#include <string>

#include "base/error.h"
#include "io/fd.h"

namespace posta::mailstore {

class FolderLock {
 public:
  // path: the lock file (created when missing); mode: LOCK_EX or LOCK_SH.
  [[nodiscard]] static Result<FolderLock> take(const std::string& path, int mode = LOCK_EX) {
    auto fd = open_fd(path, O_RDWR | O_CREAT, 0600);
    if (!fd) return std::unexpected(fd.error());
    while (::flock(fd->get(), mode) != 0)
      if (errno != EINTR) return fail_sys("unable to lock " + path);
    return FolderLock(std::move(*fd));
  }

 private:
  explicit FolderLock(Fd fd) : fd_(std::move(fd)) {}
  Fd fd_;  // closing releases the lock
};

}  // namespace posta::mailstore
