// The event loop of posta-send: pipes to the spawns and posta-clean, the trigger fifo, the
// control socket, signals and timers (libevent).
#pragma once
#include <string>

#include "daemon/daemon.h"

namespace posta::send {

// Runs until TERM (exit 0) or a broken peer (exit 111); d routes ALRM, HUP, TERM and INT.
int run_loop(const std::string& home, Daemon& d);

}  // namespace posta::send
