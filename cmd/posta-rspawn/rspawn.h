#pragma once
#include "queue/spawner.h"

namespace posta::rspawn {
// posta-remote HOST SENDER RCPT...; its r/h/s + K/Z/D report on fd 1 becomes the answer.
// Without a posta-remote binary every request is deferred ("remote delivery not available").
queue::SpawnerHooks hooks();
}  // namespace posta::rspawn
