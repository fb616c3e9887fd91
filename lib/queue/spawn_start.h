// How posta-lspawn and posta-rspawn start, before their loop (queue/spawner.h): no
// arguments, the daemon skeleton with no readiness (posta-send's is the family's) and no
// signals (a spawn stops when posta-send closes its fd 0), then the instance owner.
#pragma once
#include <string>

#include "daemon/daemon.h"

namespace posta::queue {

struct SpawnStart {
  Daemon daemon;
  std::string home;
};

// Exits 100 (usage) when argc > 1, 111 when the skeleton or the owner's identity fails.
SpawnStart start_spawn(int argc, const char* program);

}  // namespace posta::queue
