// The frame of the queue viewers (posta-mailq, posta-qstat): a --json flag, then the queue of
// $POSTA_HOME as queue::read_queue sees it, handed to the tool's printer.
#pragma once
#include <functional>
#include <vector>

#include "queue/inspect.h"

namespace posta::admin {

using QueuePrinter = std::function<void(const std::vector<queue::MessageView>& messages, bool json)>;

// The exit code: usage errors 100, an unreadable queue 111 (logged), else 0 after print.
int run_queue_view(int argc, char** argv, const char* about, const char* json_help, const QueuePrinter& print);

}  // namespace posta::admin
