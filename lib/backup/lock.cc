#include "backup/lock.h"

#include <fcntl.h>
#include <sys/file.h>

namespace posta::backup {

Result<RepoLock> RepoLock::take(const std::string& dir, Mode mode) {
  RepoLock l;
  auto lock_one = [&](Fd& fd, const std::string& name, int op) -> Status {
    POSTA_TRY(fd, open_fd(dir + "/" + name, O_RDWR | O_CREAT, 0600));
    if (::flock(fd.get(), op | LOCK_NB) != 0) {
      if (errno == EWOULDBLOCK)
        return fail("repository " + dir + " is busy (" +
                        (mode == Mode::kRead ? "a prune is running" : "another run or prune is running") + ")",
                    EWOULDBLOCK);
      return fail_sys("unable to lock " + dir + "/" + name);
    }
    return {};
  };
  if (mode != Mode::kRead)
    if (auto s = lock_one(l.run_, "run.lock", LOCK_EX); !s) return std::unexpected(s.error());
  if (auto s = lock_one(l.lock_, "lock", mode == Mode::kPrune ? LOCK_EX : LOCK_SH); !s)
    return std::unexpected(s.error());
  return l;
}

}  // namespace posta::backup
