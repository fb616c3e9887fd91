// posta-queue: the only writer of new messages into the spool (see posta-queue(8)).
#pragma once
#include "queue/writer.h"

namespace posta::queueprog {

// The exit code, the line for the log and whether the injector gave the message up.
queue::WriteOutcome run();

}  // namespace posta::queueprog
