#include "spam/learn_requests.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "io/fd.h"
#include "log/log.h"
#include "spam/learn_queue.h"

namespace posta::spam {
namespace {

// The first max bytes of a request: the key and the tokens look at no more.
Result<std::string> read_head(const std::string& path, size_t max) {
  POSTA_TRY(Fd fd, open_fd(path, O_RDONLY));
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
    auto text = read_head(r.path, o.learn.limits.max_message + (256u << 10));
    if (!text && text.error().code == ENOENT) {
      ++c.learned.vanished;
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
