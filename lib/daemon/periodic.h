// Background work that a resident program runs now and then (posta-backup daemon, posta-mail
// daemon): each run is a child, the program itself executed again with other
// arguments, so that the daemon keeps no state of a run and a run that fails takes nothing
// else down.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "daemon/daemon.h"

namespace posta {

// Nice 10 and the idle I/O class: the CPU and the disk to background work only when nobody
// else wants them. Inherited by the children.
void lower_priority();

// Runs /proc/self/exe with args (args[0] is the name it is given) and waits for it, taking
// d's signals meanwhile. SIGTERM or SIGINT stops the child (SIGTERM, then waits for it) and
// returns -1. Otherwise the child's exit status; 111, with err saying why, when it could not
// start or a signal killed it. A SIGHUP meanwhile sets *hangup (when given), so that the
// caller can do what it asks after the run.
int run_self(Daemon& d, const std::vector<std::string>& args, std::string& err, bool* hangup = nullptr);

// Waits until the time next (seconds since the epoch), taking d's signals: false on SIGTERM
// or SIGINT; true once it is that time, or on SIGHUP (a run now).
bool wait_until(Daemon& d, int64_t next);

// wait_until's wait, also watching fd (when >= 0): why it returned.
enum class Wake { kStop, kDue, kHangup, kReadable };
Wake wait_for(Daemon& d, int64_t next, int fd);

}  // namespace posta
