#include "mailstore/watcher.h"

#include <sys/inotify.h>
#include <unistd.h>

namespace posta::mailstore {

Result<Watcher> Watcher::watch(const std::string& folder) {
  Fd fd(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
  if (!fd) return fail_sys("unable to create inotify instance");
  uint32_t mask = IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE;
  for (const char* sub : {"/new", "/cur"})
    if (::inotify_add_watch(fd.get(), (folder + sub).c_str(), mask) < 0)
      return fail_sys("unable to watch " + folder + sub);
  return Watcher(std::move(fd));
}

bool Watcher::drain() {
  bool any = false;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd_.get(), buf, sizeof buf);
    if (n <= 0) return any;
    any = true;
  }
}

}  // namespace posta::mailstore
