// posta-queue: the only writer of new messages into the spool (see posta-queue(8)).
#pragma once
#include <string>

namespace posta::queueprog {

struct Outcome {
  int code = 0;          // exit code (lib/base/exitcode.h QueueExit)
  std::string message;   // for the log; for 82 also written to fd 6 ("D..." / "Z...")
  bool abandoned = false;  // the injector gave the message up (WriteOutcome::abandoned)
};

Outcome run();

}  // namespace posta::queueprog
