// The locks of a backup repository.
#pragma once
#include <string>

#include "base/error.h"
#include "io/fd.h"

namespace posta::backup {

// flock(2) on lock and run.lock: a run holds run.lock exclusively and lock shared; prune
// holds both exclusively; readers (list, ls, restore, verify) hold lock shared. So runs
// exclude each other and prune, and prune excludes everything; a reader never waits for a
// run. Non-blocking: a held lock is an error saying who holds it (code EWOULDBLOCK).
class RepoLock {
 public:
  enum class Mode { kRead, kRun, kPrune };
  [[nodiscard]] static Result<RepoLock> take(const std::string& dir, Mode mode);

 private:
  Fd lock_, run_;
};
}  // namespace posta::backup
