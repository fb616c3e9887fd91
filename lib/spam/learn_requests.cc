#include "spam/learn_requests.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "io/fd.h"
#include "log/log.h"
#include "spam/learn_queue.h"

namespace posta::spam {
namespace {

// The first max bytes of a request: the key and the tokens look at no more. Only a regular
// file: in a system-mode instance the group that may drop requests (posta) could drop a
// symbolic link or a FIFO too.
Result<std::string> read_head(const std::string& path, size_t max) {
  POSTA_TRY(Fd fd, open_fd(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK));
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return fail_sys("fstat " + path);
  if (!S_ISREG(st.st_mode)) return fail("not a regular file", EINVAL);
  std::string buf(max, '\0');
  POSTA_TRY(size_t n, read_full(fd.get(), buf.data(), buf.size()));
  buf.resize(n);
  return buf;
}

}  // namespace

Result<RequestCounts> apply_requests(TokenStore& store, const std::string& home, const RequestOptions& o) {
  RequestCounts c;
  POSTA_TRY(auto pending, pending_requests(home, o.max));
  for (auto& r : pending) {
    if (!o.enabled) {
      if (::unlink(r.path.c_str()) == 0) ++c.dropped;
      continue;
    }
    auto text = read_head(r.path, request_bytes());
    if (!text && text.error().code == ENOENT) {
      ++c.learned.vanished;
      continue;
    }
    if (!text && (text.error().code == ELOOP || text.error().code == EINVAL)) {
      log::warning("learning request ", r.path, ": not a regular file: removed");
      ::unlink(r.path.c_str());
      ++c.failed;
      continue;
    }
    if (!text) {
      log::warning("learning request ", r.path, ": ", text.error().what);
      ++c.failed;
      continue;
    }
    POSTA_TRY(LearnOutcome out, learn_message(store, *text, r.as == LearnAs::kSpam ? Class::kSpam : Class::kHam, o.learn));
    c.learned.add(out);
    if (::unlink(r.path.c_str()) != 0 && errno != ENOENT) return fail_sys("unable to remove " + r.path);
  }
  return c;
}

}  // namespace posta::spam
