// The protocol server: forked before any key or OpenSSL state exists in tlsd, privileges
// dropped, then parked on a pipe until tlsd releases it (with SSL_* for implicit TLS).
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "log/log.h"
#include "net/fdpass.h"
#include "proc/privilege.h"
#include "tlsd.h"

namespace posta::tlsd {
namespace {

// Reads "G" NAME=value NUL ...; false when tlsd closed the pipe without releasing us.
bool wait_release(int fd, std::vector<std::string>& env) {
  auto data = read_all(fd, 64 * 1024);
  if (!data || data->empty() || (*data)[0] != 'G') return false;
  size_t pos = 1;
  while (pos < data->size()) {
    size_t nul = data->find('\0', pos);
    if (nul == std::string::npos) nul = data->size();
    if (nul > pos) env.emplace_back(data->substr(pos, nul - pos));
    pos = nul + 1;
  }
  return true;
}

[[noreturn]] void run_server(const Options& o, const Credentials* id, Fd& data, Fd& ctl, Fd& go) {
  ::signal(SIGHUP, SIG_DFL);
  ::signal(SIGPIPE, SIG_DFL);
  if (id) {
    if (auto s = assume(*id); !s) log::fatal(111, "unable to drop privileges: " + s.error().what);
  }
  std::vector<std::string> env;
  if (!wait_release(go.get(), env)) ::_exit(111);
  if (!move_fd(data.get(), 0) || !move_fd(data.get(), 1))
    log::fatal(111, "unable to set up the server's fds");
  if (ctl.valid()) {
    if (!move_fd(ctl.get(), kControlFd)) log::fatal(111, "unable to set up the control fd");
    env.push_back("POSTA_TLS_CONTROL=" + std::to_string(kControlFd));
  }
  exec_argv(o.argv, env);
  log::fatal(111, "unable to run " + o.argv[0] + ": " + std::strerror(errno));
}

}  // namespace

Result<ServerLink> fork_server(const Options& o) {
  std::optional<Credentials> id;
  if (!o.user.empty()) {
    if (::geteuid() != 0) return fail("-u " + o.user + " needs posta-tlsd to start as root");
    auto r = lookup_credentials(o.user);
    if (!r) return std::unexpected(r.error());
    id = *r;
  }
  auto data = net::socket_pair();
  if (!data) return std::unexpected(data.error());
  std::pair<Fd, Fd> ctl;
  if (o.starttls) {
    auto c = net::socket_pair();
    if (!c) return std::unexpected(c.error());
    ctl = std::move(*c);
  }
  auto go = Pipe::make();
  if (!go) return std::unexpected(go.error());
  pid_t pid = ::fork();
  if (pid < 0) return fail_sys("unable to fork");
  if (pid == 0) {
    data->first.reset();
    ctl.first.reset();
    go->write.reset();
    run_server(o, id ? &*id : nullptr, data->second, ctl.second, go->read);
  }
  ServerLink link{Child(pid), std::move(data->first), std::move(ctl.first), std::move(go->write)};
  return link;
}

Status release_server(ServerLink& link, const std::vector<std::string>& env) {
  std::string msg = "G";
  for (auto& e : env) {
    msg += e;
    msg.push_back('\0');
  }
  Status s = write_all(link.go.get(), msg);
  link.go.reset();
  return s;
}

std::vector<std::string> tls_env(const TlsInfo& info) { return tls_env_vars(info); }

}  // namespace posta::tlsd
