// posta-clean: removes finished messages from the spool for posta-send (posta-clean(8)).
#include <signal.h>
#include <unistd.h>

#include "base/exitcode.h"
#include "control/control.h"
#include "io/fd.h"
#include "log/log.h"
#include "proc/privilege.h"
#include "queue/pipe_proto.h"
#include "queue/spool.h"

namespace {

// Order matters (INTERNALS.md "## Spool states"): the state log first, so that an
// interrupted cleanup reads as "finished" and never as "to deliver".
posta::queue::CleanResult clean(const posta::queue::Spool& spool, const std::string& id) {
  posta::queue::CleanResult r{id, true, "removed"};
  if (!posta::queue::valid_id(id)) return {id, false, "bad queue id"};
  for (auto path : {spool.state(id), spool.info(id), spool.todo(id), spool.intd(id), spool.mess(id)}) {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      r.ok = false;
      r.text = posta::sys_error("unable to remove " + path).what;
    }
  }
  return r;
}

}  // namespace

int main(int argc, char**) {
  posta::log::set_program("posta-clean");
  if (argc > 1) {
    posta::log::error("usage: posta-clean (requests on fd 0, results on fd 1; started by posta-start)");
    return posta::kExitUsageS6;
  }
  ::signal(SIGPIPE, SIG_IGN);
  std::string home = posta::posta_home();
  if (auto s = posta::become_instance_owner(home); !s) {
    posta::log::error("fatal: ", s.error().what);
    return posta::kExitTemporary;
  }
  auto spool = posta::queue::Spool::from_home(home);
  posta::queue::FrameReader reader;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(0, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return 0;  // posta-send is gone
    reader.feed(std::string_view(buf, static_cast<size_t>(n)));
    for (;;) {
      auto f = reader.next();
      auto req = f && *f ? posta::queue::decode_clean_request(**f) : std::unexpected(posta::Error{"", 0});
      if (f && !*f) break;
      if (!req) {
        posta::log::error("protocol error from posta-send: ", f ? req.error().what : f.error().what);
        return posta::kExitTemporary;
      }
      auto res = clean(spool, req->id);
      if (!posta::write_all(1, posta::queue::frame(posta::queue::encode(res)))) return 0;
    }
  }
}
