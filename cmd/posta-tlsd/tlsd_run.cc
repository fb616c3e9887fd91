// posta-tlsd's run(): checks, fork the server, drop privileges, load the key, relay, wait.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "base/exitcode.h"
#include "log/log.h"
#include "proc/privilege.h"
#include "tlsd_relay.h"

namespace posta::tlsd {
namespace {

std::string posta_home() {
  const char* h = std::getenv("POSTA_HOME");
  return h && *h ? h : "/var/posta";
}

// fd 0 is the connection; fd 1 (usually the same socket) becomes /dev/null so that
// nothing can ever reach the client unencrypted by accident.
Status check_fds() {
  struct stat st;
  if (::fstat(0, &st) != 0 || !S_ISSOCK(st.st_mode)) return fail("fd 0 is not a socket");
  int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (null < 0) return fail_sys("unable to open /dev/null");
  if (null != 1) {
    if (::dup2(null, 1) < 0) return fail_sys("unable to dup2");
    ::close(null);
  }
  return {};
}

std::string remote_ip() {
  const char* ip = std::getenv("TCPREMOTEIP");
  return ip ? ip : "unknown";
}

}  // namespace

ServerTlsConfig tls_config(const Options& o) {
  return ServerTlsConfig{o.cert, o.key, o.sni_dir, o.client_ca};
}

namespace {

// As root: the key holder becomes -U (or the instance owner); never stays root silently.
Status drop_self(const Options& o) {
  if (::geteuid() != 0) return {};
  if (!o.tls_user.empty()) return drop_to(o.tls_user);
  std::error_code ec;
  if (std::filesystem::is_directory(posta_home(), ec)) {
    if (auto s = become_instance_owner(posta_home()); !s) return s;
  }
  if (::geteuid() == 0) log::warning("holding the TLS key as root; use -U USER");
  return {};
}

int exit_code(const Status& outcome, bool released, Result<ExitStatus>& st) {
  if (!outcome && outcome.error().code == kLocalTrouble) return kExitTemporary;
  if (!released) return 1;  // handshake failed or timed out: the server never ran
  if (!st) return kExitTemporary;
  return st->exited ? st->code : kExitTemporary;
}

}  // namespace

int run(const Options& o) {
  ::signal(SIGPIPE, SIG_IGN);
  ::signal(SIGHUP, SIG_IGN);  // established sessions survive a reload; new ones reread files
  if (auto s = check_fds(); !s) log::fatal(kExitUsageS6, s.error().what);
  auto link = fork_server(o);
  if (!link) log::fatal(kExitTemporary, link.error().what);
  if (auto s = drop_self(o); !s) log::fatal(kExitTemporary, "unable to drop privileges: " + s.error().what);
  // No openssl.cnf: the policy is in the code, and parsing it costs every connection.
  OPENSSL_init_ssl(OPENSSL_INIT_NO_LOAD_CONFIG, nullptr);
  ServerTlsConfig cfg = tls_config(o);
  auto ctx = make_server_ctx(cfg);
  if (!ctx) log::fatal(kExitTemporary, ctx.error().what);  // the parked server exits with us
  if (o.starttls && !release_server(*link, {})) log::fatal(kExitTemporary, "unable to start the server");
  RelayParams params{o.implicit, o.handshake_timeout, o.idle_timeout, Fd(0),
                     std::move(link->data), std::move(link->control), remote_ip(), true,
                     o.write_timeout, o.session_limit};
  Status outcome = relay_one(std::move(params), ctx->get(), [&](const TlsInfo& info) {
    return release_server(*link, tls_env(info));
  });
  bool released = !link->go.valid();
  link->go.reset();
  ctx->reset();
  auto st = link->child.wait();
  return exit_code(outcome, released, st);
}

Status check_config(const Options& o) {
  ServerTlsConfig cfg = tls_config(o);
  auto ctx = make_server_ctx(cfg);
  if (!ctx) return std::unexpected(ctx.error());
  if (o.sni_dir.empty()) return {};
  std::error_code ec;
  for (auto& e : std::filesystem::directory_iterator(o.sni_dir, ec)) {
    std::string dir = e.path().string();
    if (!e.is_directory() || !std::filesystem::exists(dir + "/cert.pem")) continue;
    ServerTlsConfig sub{dir + "/cert.pem", dir + "/key.pem", "", o.client_ca};
    auto c = make_server_ctx(sub);
    if (!c) return std::unexpected(c.error());
    if (sni_dir_name(e.path().filename().string()).empty())
      log::warning("directory name ", e.path().filename().string(), " is not a host name");
  }
  return {};
}

}  // namespace posta::tlsd
