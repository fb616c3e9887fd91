#include "tcpd_spawn.h"

#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "net/reuse.h"

extern char** environ;

namespace posta::tcpd {

Result<Fd> listen_on(const std::string& host, const std::string& port, int backlog) {
  auto addr = net::bind_addr(host, port);
  if (!addr) return std::unexpected(addr.error());
  Fd s(::socket(addr->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!s) return fail_sys("unable to create socket");
  int one = 1, zero = 0;
  ::setsockopt(s.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (addr->family == AF_INET6) {
    // "::" serves IPv4 too; a specific IPv6 address only itself
    auto* in6 = reinterpret_cast<const sockaddr_in6*>(&addr->ss);
    bool any = IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr);
    ::setsockopt(s.get(), IPPROTO_IPV6, IPV6_V6ONLY, any ? &zero : &one, sizeof one);
  }
  if (::bind(s.get(), reinterpret_cast<const sockaddr*>(&addr->ss), addr->len) != 0)
    return fail_sys("unable to bind to " + host + " port " + port);
  if (::listen(s.get(), backlog) != 0) return fail_sys("unable to listen");
  return s;
}

namespace {

bool connection_var(const std::string& e) {
  static const char* names[] = {"PROTO=", "TCPLOCALIP=", "TCPLOCALPORT=", "TCPLOCALHOST=",
                                "TCPREMOTEIP=", "TCPREMOTEPORT=", "TCPREMOTEHOST=",
                                "TCPREMOTEINFO="};
  for (auto* n : names)
    if (e.starts_with(n)) return true;
  return false;
}

}  // namespace

ChildEnv::ChildEnv() {
  for (char** e = environ; e && *e; ++e)
    if (!connection_var(*e)) base_.emplace_back(*e);
}

std::vector<std::string> ChildEnv::connection(
    const net::Endpoint& local, const net::Endpoint& remote,
    const std::vector<std::pair<std::string, std::string>>& rule_env) const {
  std::vector<std::string> env;
  env.reserve(5 + rule_env.size());
  env.push_back("PROTO=TCP");
  env.push_back("TCPLOCALIP=" + local.ip.str());
  env.push_back("TCPLOCALPORT=" + std::to_string(local.port));
  env.push_back("TCPREMOTEIP=" + remote.ip.str());
  env.push_back("TCPREMOTEPORT=" + std::to_string(remote.port));
  for (auto& [k, v] : rule_env)
    if (!k.starts_with("TCP") && k != "PROTO") env.push_back(k + "=" + v);
  return env;
}

std::vector<std::string> ChildEnv::with(const std::vector<std::string>& conn) const {
  return net::overlay_env(base_, conn);
}

Result<pid_t> spawn_child(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                          int sock, int control) {
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&fa);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_adddup2(&fa, sock, 0);
  posix_spawn_file_actions_adddup2(&fa, sock, 1);
  if (control >= 0) posix_spawn_file_actions_adddup2(&fa, control, net::kReuseControlFd);
  sigset_t none, all;
  sigemptyset(&none);
  sigemptyset(&all);  // whatever we (or libevent) handle or ignore
  for (int sig : {SIGPIPE, SIGCHLD, SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGALRM, SIGUSR1, SIGUSR2})
    sigaddset(&all, sig);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> args, envp;
  for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  for (auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  pid_t pid = -1;
  int err = ::posix_spawnp(&pid, args[0], &fa, &attr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (err != 0) return fail_sys("unable to run " + argv[0], err);
  return pid;
}

}  // namespace posta::tcpd
