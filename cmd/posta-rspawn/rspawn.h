#pragma once
#include <chrono>
#include <string>

#include "queue/spawner.h"

namespace posta::rspawn {
// posta-remote HOST SENDER RCPT...; its r/h/s + K/Z/D report on fd 1 becomes the answer.
// Without a posta-remote binary every request is deferred ("remote delivery not available").
queue::SpawnerHooks hooks();

// With connection reuse (control/connectioncachetime > 0): requests go to a pool of
// `agent -w` workers that keep their SMTP connection for `idle` after a delivery.
// Runs until fd 0 ends; returns an exit code (0, or 111 after a protocol error).
int run_pool(const std::string& agent, std::chrono::milliseconds idle);
// The posta-remote to run: $POSTA_REMOTE (a stand-in, tests) or the sibling binary.
std::string agent();
}  // namespace posta::rspawn
