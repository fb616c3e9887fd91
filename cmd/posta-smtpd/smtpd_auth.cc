// AUTH PLAIN and LOGIN (RFC 4954, 4616), checked by `posta-auth /bin/true` (checkpassword).
#include <fcntl.h>
#include <unistd.h>

#include <ctime>
#include <thread>

#include "base/exitcode.h"
#include "control/control.h"
#include "io/fd.h"
#include "log/log.h"
#include "proc/child.h"
#include "smtpd.h"

namespace posta::smtpd {

// Reads one client response line during an AUTH exchange; false after a reply was given.
bool Session::auth_read_response(std::string& out) {
  if (!flush()) return false;
  Line l = in_.read_line();
  if (read_failed(l) || l.status != Line::Status::kOk) return false;
  if (l.text.size() + 2 > kMaxAuthLine) return error_reply(500, "5.5.2", "Line too long"), false;
  if (l.text == "*") return error_reply(501, "5.0.0", "Authentication cancelled"), false;
  auto d = smtp::base64_decode(l.text);
  if (!d) return error_reply(501, "5.5.2", "Invalid base64 data"), false;
  out = std::move(*d);
  return true;
}

int Session::check_password(const std::string& user, const std::string& pass) {
  auto p = Pipe::make();
  auto null = open_fd("/dev/null", O_RDWR);
  if (!p || !null) return kExitTemporary;
  SpawnOptions opt;
  // Never the client's socket on the checker's stdin/stdout.
  opt.fds = {{p->read.get(), 3}, {null->get(), 0}, {null->get(), 1}};
  auto child = spawn({cfg_.auth_program, "/bin/true"}, opt);
  if (!child) return kExitTemporary;
  p->read.reset();
  std::string stamp = "<" + std::to_string(::getpid()) + "." + std::to_string(::time(nullptr)) +
                      "@" + cfg_.me + ">";
  std::string data = user + '\0' + pass + '\0' + stamp + '\0';
  (void)write_all(p->write.get(), data);
  std::fill(data.begin(), data.end(), '\0');
  p->write.reset();
  auto st = child->wait();
  if (!st || !st->exited) return kExitTemporary;
  return st->code;
}

void Session::do_auth(const smtp::Command& cmd) {
  if (!esmtp_) return (void)error_reply(503, "5.5.1", "Send EHLO first");
  if (!cfg_.auth_offered) return (void)error_reply(503, "5.5.1", "Authentication not enabled on this service");
  if (!auth_user_.empty()) return (void)error_reply(503, "5.5.1", "Already authenticated");
  if (tx_.active) return (void)error_reply(503, "5.5.1", "AUTH not allowed during a mail transaction");
  if (!tls_ && !cfg_.authplaintext)
    return (void)error_reply(538, "5.7.11", "Encryption required for requested authentication mechanism");
  size_t sp = cmd.arg.find(' ');
  std::string mech = lower(cmd.arg.substr(0, sp));
  std::string initial = sp == std::string::npos ? "" : cmd.arg.substr(sp + 1);
  bool has_initial = sp != std::string::npos;
  std::string user, pass;
  if (mech == "plain") {
    std::string resp;
    if (has_initial && initial != "=") {
      auto d = smtp::base64_decode(initial);
      if (!d) return (void)error_reply(501, "5.5.2", "Invalid base64 data");
      resp = *d;
    } else if (!has_initial) {
      reply(334, "", "");
      if (!auth_read_response(resp)) return;
    }
    // authzid NUL authcid NUL passwd; an authzid other than the login is not supported.
    size_t a = resp.find('\0');
    size_t b = a == std::string::npos ? a : resp.find('\0', a + 1);
    if (b == std::string::npos) return (void)error_reply(501, "5.5.2", "Invalid PLAIN response");
    std::string authz = resp.substr(0, a);
    user = resp.substr(a + 1, b - a - 1);
    pass = resp.substr(b + 1);
    if (!authz.empty() && authz != user) user.clear();
  } else if (mech == "login") {
    if (has_initial) {
      auto d = smtp::base64_decode(initial);
      if (!d) return (void)error_reply(501, "5.5.2", "Invalid base64 data");
      user = *d;
    } else {
      reply(334, "", "VXNlcm5hbWU6");
      if (!auth_read_response(user)) return;
    }
    reply(334, "", "UGFzc3dvcmQ6");
    if (!auth_read_response(pass)) return;
  } else {
    return (void)error_reply(504, "5.5.4", "Unrecognized authentication mechanism");
  }
  bool sane = !user.empty() && user.size() <= 256 && user.find_first_of(std::string("\0\r\n", 3)) == std::string::npos &&
              pass.size() <= 1024 && pass.find('\0') == std::string::npos;
  int rc = sane ? check_password(user, pass) : 1;
  std::fill(pass.begin(), pass.end(), '\0');
  if (rc == 0) {
    auth_user_ = user;
    log::info(cfg_.remote_ip, ": AUTH ", mech, " user=", log::printable(user, 100), " ok");
    reply(235, "2.7.0", "Authentication successful");
    return;
  }
  if (rc != 1) {
    log::warning(cfg_.remote_ip, ": AUTH ", mech, " user=", log::printable(user, 100), " temporary failure ", rc);
    reply(454, "4.7.0", "Temporary authentication failure");
    return;
  }
  ++auth_failures_;
  log::info(cfg_.remote_ip, ": AUTH ", mech, " user=", log::printable(user, 100), " failed (", auth_failures_, ")");
  // Growing delay against guessing (posta-auth adds its own per-IP throttling).
  std::this_thread::sleep_for(std::chrono::seconds(std::min(auth_failures_ - 1, 5)));
  if (auth_failures_ >= cfg_.maxauthfail) {
    reply(535, "5.7.8", "Authentication credentials invalid");
    reply(421, "4.7.0", cfg_.me + " Too many authentication failures, closing connection");
    quit_ = true;
    return;
  }
  error_reply(535, "5.7.8", "Authentication credentials invalid");
}

}  // namespace posta::smtpd
