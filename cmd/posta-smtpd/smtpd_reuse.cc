// posta-tcpd -R: one process, many connections, one after the other (lib/net/reuse.h). Each
// connection gets a fresh Session, the environment the process was started with plus the
// connection's variables (nothing of the last connection's), and its socket on fds 0/1;
// only the accounts handle is kept.
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>

#include "base/exitcode.h"
#include "io/fd.h"
#include "log/log.h"
#include "net/reuse.h"
#include "smtpd.h"

extern char** environ;

namespace posta::smtpd {
namespace {

// Owns the strings environ points to while a connection is served.
class ConnEnviron {
 public:
  ConnEnviron() {
    for (char** e = environ; e && *e; ++e)
      if (!std::string_view(*e).starts_with(std::string(net::kReuseEnvName) + "=")) started_.emplace_back(*e);
  }
  void apply(const std::vector<std::string>& conn) {
    entries_ = net::overlay_env(started_, conn);
    ptrs_.clear();
    for (auto& e : entries_) ptrs_.push_back(e.data());
    ptrs_.push_back(nullptr);
    environ = ptrs_.data();
  }

 private:
  std::vector<std::string> started_, entries_;
  std::vector<char*> ptrs_;
};

// fds 0 and 1 on /dev/null between connections: never closed, so that nothing opened
// meanwhile lands on them.
bool detach_connection() {
  Fd null(::open("/dev/null", O_RDWR | O_CLOEXEC));
  return null && ::dup2(null.get(), 0) == 0 && ::dup2(null.get(), 1) == 1;
}

int serve_one(bool submission, AccountsCache& accounts) {
  Session session(load_config(submission), accounts);
  return session.run();
}

}  // namespace

int serve_passed_connections(bool submission) {
  // off fd 3, close-on-exec: the queue and auth programs must never inherit it
  Fd control(::fcntl(net::kReuseControlFd, F_DUPFD_CLOEXEC, 10));
  if (!control) log::fatal(kExitTemporary, "no control socket on fd 3 (POSTA_TCPD_REUSE is set)");
  ::close(net::kReuseControlFd);
  ConnEnviron env;
  AccountsCache accounts;
  for (;;) {
    auto conn = net::recv_conn(control.get());
    if (!conn) {
      if (conn.error().code == 0) return kExitOk;  // posta-tcpd is done with us
      log::fatal(kExitTemporary, conn.error().what);
    }
    env.apply(conn->env);
    if (::dup2(conn->sock.get(), 0) != 0 || ::dup2(conn->sock.get(), 1) != 1)
      log::fatal(kExitTemporary, "unable to take the connection on fds 0 and 1");
    conn->sock.reset();
    serve_one(submission, accounts);
    if (!detach_connection()) log::fatal(kExitTemporary, "unable to detach the connection");
    if (::send(control.get(), net::kDoneRecord.data(), net::kDoneRecord.size(), MSG_NOSIGNAL) < 0)
      return kExitOk;  // posta-tcpd is gone
  }
}

}  // namespace posta::smtpd
