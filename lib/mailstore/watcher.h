// inotify on a folder's new/ and cur/ so IDLE (and NOOP) see changes at once.
#pragma once
#include <string>

#include "base/error.h"
#include "io/fd.h"

namespace posta::mailstore {

class Watcher {
 public:
  [[nodiscard]] static Result<Watcher> watch(const std::string& folder);
  // Poll this for POLLIN; then call drain().
  int fd() const { return fd_.get(); }
  // Reads the pending events; true when any arrived.
  bool drain();

 private:
  explicit Watcher(Fd fd) : fd_(std::move(fd)) {}
  Fd fd_;
};

}  // namespace posta::mailstore
