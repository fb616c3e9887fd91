// posta-policyd's loop: one thread polls the listener, the signal pipe and every client
// connection; each complete request line is answered from the database at once (a request
// is a lookup and at most a small write), so no client waits behind another's slow I/O.
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "daemon/daemon.h"
#include "io/fd.h"
#include "policy/policy_db.h"
#include "policyd.h"

namespace posta::policyd {

class Server {
 public:
  Server(const Options& o, std::string home, Fd listener, std::optional<gid_t> group, policy::PolicyDb db);
  // Until SIGTERM or SIGINT.
  void serve(Daemon& d);

 private:
  struct Client {
    Fd fd;
    std::string in, out;
    int64_t last = 0;  // steady seconds of the last request
  };
  void accept_clients();
  // false when the connection is to be closed.
  bool read_client(Client& c);
  bool write_client(Client& c);
  std::string answer_line(std::string_view line);
  void housekeeping(int64_t now);

  const Options& o_;
  std::string home_;
  Fd listener_;
  std::optional<gid_t> group_;
  policy::PolicyDb db_;
  policy::GreylistSettings settings_;
  std::map<int, Client> clients_;
  int64_t last_housekeeping_ = 0;
  bool wrote_ = false;
};

}  // namespace posta::policyd
