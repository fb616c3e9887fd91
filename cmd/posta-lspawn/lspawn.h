#pragma once
#include "queue/spawner.h"

namespace posta::lspawn {
// posta-local SENDER RECIPIENT; exit 0 / 100 / 111 -> K / D / Z with its first output line.
queue::SpawnerHooks hooks();
}  // namespace posta::lspawn
