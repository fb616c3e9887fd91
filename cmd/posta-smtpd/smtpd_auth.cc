// AUTH PLAIN and LOGIN (RFC 4954, 4616), checked by `posta-auth /bin/true` through the
// checkpassword client (lib/auth).
#include <fcntl.h>

#include <thread>

#include "auth/checkpassword.h"
#include "auth/sasl.h"
#include "control/control.h"
#include "io/fd.h"
#include "log/log.h"
#include "smtpd.h"

namespace posta::smtpd {
namespace {

// `checker /bin/true`, with /dev/null on its stdin and stdout, never the client's socket.
Result<ExitStatus> check_only(const std::string& checker, const auth::Credentials& cred) {
  auto null = open_fd("/dev/null", O_RDWR);
  if (!null) return std::unexpected(null.error());
  SpawnOptions opt;
  opt.fds = {{null->get(), 0}, {null->get(), 1}};
  return auth::run_checkpassword({checker, "/bin/true"}, cred, opt);
}

}  // namespace

// One response of an AUTH exchange: the initial response when the command had one, else
// a line read after a 334 with prompt. False after a reply was given.
bool Session::auth_response(std::optional<std::string_view> initial, std::string_view prompt, auth::Secret& out) {
  Result<auth::Secret> d;
  if (initial) {
    d = auth::decode_initial_response(*initial);
  } else {
    reply(334, "", std::string(prompt));
    if (!flush()) return false;
    Line l = in_.read_line();
    if (read_failed(l) || l.status != Line::Status::kOk) return false;
    if (l.text.size() + 2 > kMaxAuthLine) return error_reply(500, "5.5.2", "Line too long"), false;
    if (l.text == "*") return error_reply(501, "5.0.0", "Authentication cancelled"), false;
    d = auth::decode_response(l.text);
    auth::wipe(l.text);
  }
  if (!d) return error_reply(501, "5.5.2", "Invalid base64 data"), false;
  out = std::move(*d);
  return true;
}

std::optional<auth::Credentials> Session::auth_plain(std::optional<std::string_view> initial) {
  auth::Secret message;
  if (!auth_response(initial, "", message)) return std::nullopt;
  auto cred = auth::parse_plain(message);
  if (!cred) return error_reply(501, "5.5.2", "Invalid PLAIN response"), std::nullopt;
  return std::move(*cred);
}

std::optional<auth::Credentials> Session::auth_login(std::optional<std::string_view> initial) {
  auth::Secret user;
  if (!auth_response(initial, "VXNlcm5hbWU6", user)) return std::nullopt;  // "Username:"
  auth::Credentials cred{user.str(), {}};
  if (!auth_response(std::nullopt, "UGFzc3dvcmQ6", cred.password)) return std::nullopt;  // "Password:"
  return cred;
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
  std::optional<std::string_view> initial;
  if (sp != std::string::npos) initial = std::string_view(cmd.arg).substr(sp + 1);
  std::optional<auth::Credentials> cred;
  if (mech == "plain") cred = auth_plain(initial);
  else if (mech == "login") cred = auth_login(initial);
  else return (void)error_reply(504, "5.5.4", "Unrecognized authentication mechanism");
  if (cred) auth_conclude(mech, *cred);
}

void Session::auth_conclude(const std::string& mech, const auth::Credentials& cred) {
  const std::string& user = cred.login;
  auto verdict = auth::Verdict::kRefused;  // credentials that break the rule are wrong ones
  std::string trouble;
  if (auth::check_credentials(cred)) {
    auto st = check_only(cfg_.auth_program, cred);
    verdict = st ? auth::verdict_of(*st) : auth::Verdict::kTrouble;
    trouble = st ? st->describe() : st.error().what;
  }
  if (verdict == auth::Verdict::kAccepted) {
    auth_user_ = user;
    log::info(cfg_.remote_ip, ": AUTH ", mech, " user=", log::printable(user, 100), " ok");
    reply(235, "2.7.0", "Authentication successful");
    return;
  }
  if (verdict == auth::Verdict::kTrouble) {
    log::warning(cfg_.remote_ip, ": AUTH ", mech, " user=", log::printable(user, 100), " temporary failure ", trouble);
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
