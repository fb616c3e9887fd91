// posta-authd: the resident password checker behind posta-auth. It keeps the accounts
// environments (db/ and db/secret/) open and answers one check per connection on a unix
// socket. See man/posta-authd.8.
#pragma once
#include <optional>
#include <string>

namespace posta::authd {

struct Options {
  std::string socket;              // -D
  std::string group;               // -G: group that may connect (mode 0660); else 0600
  std::optional<int> notify_fd;    // -d
  int workers = 4;                 // -c: threads, each serving one connection at a time
  int timeout = 5;                 // -t: seconds for the request to arrive / the answer to leave
};

// authd_run.cc
int run(const Options& o);

}  // namespace posta::authd
