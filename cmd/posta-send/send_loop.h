// The event loop of posta-send: pipes to the spawns and posta-clean, the trigger fifo, the
// control socket, signals and timers (libevent).
#pragma once
#include <optional>
#include <string>

namespace posta::send {

// Runs until TERM (exit 0) or a broken peer (exit 111).
int run_loop(const std::string& home, std::optional<int> ready_fd);

}  // namespace posta::send
