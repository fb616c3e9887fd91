// posta-tlsd: TLS in front of a protocol server, ucspi-tls style. See man/posta-tlsd.8.
#include <CLI/CLI.hpp>

#include <cstdlib>

#include "base/exitcode.h"
#include "log/log.h"
#include "tlsd.h"

int main(int argc, char** argv) {
  posta::log::set_program("posta-tlsd");
  posta::tlsd::Options o;
  std::string home = std::getenv("POSTA_HOME") ? std::getenv("POSTA_HOME") : "/var/posta";
  o.cert = home + "/tls/cert.pem";
  o.key = home + "/tls/key.pem";
  o.sni_dir = home + "/tls";
  CLI::App app{"posta-tlsd: TLS for a protocol server"};
  auto* i = app.add_flag("-i", o.implicit, "implicit TLS: handshake first, then start PROGRAM");
  auto* s = app.add_flag("-s", o.starttls, "STARTTLS: plain text until PROGRAM asks for TLS");
  auto* n = app.add_flag("-n", o.check, "check the certificates and keys, then exit");
  auto* D = app.add_option("-D", o.daemon_socket,
                           "daemon: serve every connection handed over by posta-tcpd -T on this unix socket");
  i->excludes(s);
  n->excludes(i)->excludes(s);
  D->excludes(i)->excludes(s)->excludes(n);
  app.add_option("-G", o.socket_group, "-D: group that may connect to the socket (mode 0660)");
  app.add_option("-N", o.notify_fd, "-D: s6 readiness: write a newline to this fd when serving")
      ->check(CLI::Range(3, 1000000));
  app.add_option("-c", o.cert, "certificate chain file (PEM)");
  app.add_option("-k", o.key, "private key file (PEM, mode 0600)");
  app.add_option("-d", o.sni_dir, "directory of per-name DIR/<name>/{cert,key}.pem; '' = none");
  app.add_option("-C", o.client_ca, "request client certificates verified against this CA file");
  app.add_option("-t", o.handshake_timeout, "handshake timeout in seconds")->check(CLI::Range(1, 3600));
  app.add_option("-T", o.idle_timeout, "idle timeout in seconds")->check(CLI::Range(1, 86400));
  app.add_option("-W", o.write_timeout, "seconds a write to the client may make no progress (default 300)")
      ->check(CLI::Range(1, 86400));
  app.add_option("-L", o.session_limit, "session limit in seconds from connect, 0 = none (default 86400)")
      ->check(CLI::Range(0, 604800));
  app.add_option("-u", o.user, "run PROGRAM as this user (tlsd must be root)");
  app.add_option("-U", o.tls_user, "run posta-tlsd itself as this user (when root)");
  app.prefix_command();  // PROGRAM and its arguments are left alone
  app.footer("PROGRAM [ARG...] follows the options (optionally after --)");
  try {
    app.parse(argc, argv);
    o.argv = app.remaining();
    if (!o.argv.empty() && o.argv.front() == "--") o.argv.erase(o.argv.begin());
    bool daemon = !o.daemon_socket.empty();
    if (!o.check && !o.implicit && !o.starttls && !daemon)
      throw CLI::ValidationError("one of -i, -s, -D and -n is required");
    if (daemon && !o.argv.empty()) throw CLI::ValidationError("-D takes no PROGRAM");
    if (!o.check && !daemon && o.argv.empty()) throw CLI::ValidationError("PROGRAM is missing");
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? posta::kExitOk : posta::kExitUsageS6;
  }
  try {
    if (o.check) {
      if (auto st = posta::tlsd::check_config(o); !st) posta::log::fatal(posta::kExitTemporary, st.error().what);
      return posta::kExitOk;
    }
    if (!o.daemon_socket.empty()) return posta::tlsd::run_daemon(o);
    return posta::tlsd::run(o);
  } catch (const std::exception& e) {
    posta::log::fatal(posta::kExitTemporary, e.what());
  }
}
