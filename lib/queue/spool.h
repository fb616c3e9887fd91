// The spool: $POSTA_HOME/queue. Layout, queue ids, the trigger and the control socket.
//
//   queue/mess/<id>    the message, exactly as delivered (posta-queue's Received line first)
//   queue/intd/<id>    the stored envelope (envelope.h, stored form) while posta-queue writes it
//   queue/todo/<id>    intd/<id> renamed once it and mess/<id> are fsynced: THE COMMIT POINT.
//                      posta-queue exits 0 only after the todo/ directory is fsynced too.
//   queue/info/<id>    hard link of todo/<id> made by posta-send when it picks the message
//                      up (todo/<id> is unlinked after); immutable
//   queue/state/<id>   per-recipient delivery log (rcptstate.h), append-only, fdatasync per
//                      record; written by posta-send before it unlinks todo/<id>
//   queue/lock/trigger fifo: posta-queue writes one byte (non-blocking) after a commit
//   queue/lock/control unix stream socket of posta-send (posta-qctl; control.h)
//   queue/lock/sendmutex  flock()ed by the running posta-send: one scheduler per spool
//
// State of a message = which of these names exist (INTERNALS.md "## Spool states"):
//   mess only            injection in progress, or abandoned (cleaned after 36 hours
//                        untouched)
//   mess+intd            envelope written, not committed (same cleanup)
//   mess+todo            committed, not yet picked up
//   mess+info+state(+todo) picked up; todo/ left over after a crash is harmless
//   mess+info, no state  every recipient finished; posta-clean removes the rest
//
// Queue id: 8 hex digits of the arrival second, 5 hex digits of the microsecond, '.', the
// decimal pid of the posta-queue that made it: "6956A1800A2F3.4242". Unique because the
// mess/<id> file is created with O_EXCL (posta-queue retries with a new time on EEXIST).
#pragma once
#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace posta::queue {

inline constexpr const char* kSpoolDirs[] = {"mess", "intd", "todo", "info", "state", "lock"};

class Spool {
 public:
  // root is the queue directory itself, normally $POSTA_HOME/queue.
  explicit Spool(std::string root) : root_(std::move(root)) {}
  static Spool from_home(const std::string& home) { return Spool(home + "/queue"); }

  const std::string& root() const { return root_; }
  std::string dir(std::string_view sub) const { return root_ + "/" + std::string(sub); }
  std::string mess(std::string_view id) const { return path("mess", id); }
  std::string intd(std::string_view id) const { return path("intd", id); }
  std::string todo(std::string_view id) const { return path("todo", id); }
  std::string info(std::string_view id) const { return path("info", id); }
  std::string state(std::string_view id) const { return path("state", id); }
  std::string trigger() const { return root_ + "/lock/trigger"; }
  std::string control_socket() const { return root_ + "/lock/control"; }
  std::string sendmutex() const { return root_ + "/lock/sendmutex"; }

  // Creates every directory (mode 0750, lock/ 0750) and the trigger fifo when missing.
  [[nodiscard]] Status ensure() const;
  // The ids present in one subdirectory (valid ids only; temp files and junk are skipped).
  [[nodiscard]] Result<std::vector<std::string>> list(std::string_view sub) const;

 private:
  std::string path(std::string_view sub, std::string_view id) const {
    return root_ + "/" + std::string(sub) + "/" + std::string(id);
  }
  std::string root_;
};

// A new id from a time and a pid (see above).
std::string make_id(long long sec, long usec, pid_t pid);
// Strict: 13 upper-case hex digits, '.', 1-10 decimal digits.
bool valid_id(std::string_view id);
// The pid and arrival second encoded in an id (0 when invalid).
pid_t id_pid(std::string_view id);
long long id_time(std::string_view id);

// Writes one byte to the trigger fifo without blocking; no reader (posta-send down) is fine.
void pull_trigger(const Spool& spool);

}  // namespace posta::queue
