// posta-queue: message on fd 0, envelope on fd 1, exit code as qmail-queue (posta-queue(8)).
#include "base/exitcode.h"
#include "log/log.h"
#include "queue.h"

int main(int argc, char**) {
  posta::log::set_program("posta-queue");
  if (argc > 1) {
    posta::log::error("usage: posta-queue (message on fd 0, envelope on fd 1)");
    return posta::kQueueInternalBug;
  }
  auto out = posta::queueprog::run();
  if (out.abandoned) posta::log::info(out.message, ", nothing queued");
  else if (out.code != posta::kQueueOk) posta::log::line("warning", out.message.substr(out.code == 82 ? 1 : 0));
  return out.code;
}
