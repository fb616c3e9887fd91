// posta-imap-hibernate: options and run() (hibernate_run.cc).
#pragma once
#include <optional>
#include <string>

namespace posta::hibernate {

struct Options {
  std::string socket;            // -D
  std::optional<int> notify_fd;  // -d
  int max_sessions = 100000;     // -c
  int max_sleep = 1740;          // -t: seconds a session sleeps at most before it is resumed
};

int run(const Options& o);

}  // namespace posta::hibernate
