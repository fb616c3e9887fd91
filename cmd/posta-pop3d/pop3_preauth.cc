// The AUTHORIZATION state: greeting, CAPA, STLS, USER/PASS, AUTH PLAIN. No mailbox access.
// Passwords go to `posta-auth posta-pop3d --post-auth` through the checkpassword client
// (lib/auth).
#include <cstdlib>

#include "auth/checkpassword.h"
#include "auth/sasl.h"
#include "base/hex.h"
#include "base/strings.h"
#include "io/fd.h"
#include "log/log.h"
#include "pop3.h"
#include "proc/child.h"
#include "tls/tls_control.h"

namespace posta::pop3 {
namespace {

constexpr int kMaxFailures = 10;

struct PreAuth {
  LineReader in{0, kMaxLine, std::chrono::minutes(10)};  // apply_limits() sets the limits
  Output out;
  bool tls = tls_from_env().has_value();
  std::optional<StartTls> ctl = StartTls::from_env();
  std::string user;
  int failures = 0;
  std::string remote = std::getenv("TCPREMOTEIP") ? std::getenv("TCPREMOTEIP") : "unknown";

  void capa();
  void starttls();
  // Returns an exit code when the session is over, or -1 to stay in AUTHORIZATION.
  int authenticate(const auth::Credentials& cred);
  int auth_command(const std::string& arg);
};

void PreAuth::capa() {
  out.line("+OK Capability list follows");
  out.line("TOP");
  out.line("UIDL");
  out.line("RESP-CODES");
  out.line("AUTH-RESP-CODE");
  out.line("PIPELINING");
  if (plaintext_allowed(tls)) {
    out.line("USER");
    out.line("SASL PLAIN");
  }
  if (ctl && !tls) out.line("STLS");
  out.line("IMPLEMENTATION posta");
  out.line(".");
}

void PreAuth::starttls() {
  if (!ctl || tls) {
    out.line(tls ? "-ERR TLS already active" : "-ERR STLS not available");
    return;
  }
  if (auto ready = ctl->prepare(); !ready) {
    log::warning("STLS from ", remote, " refused, posta-tlsd unreachable: ", ready.error().what);
    out.line("-ERR [SYS/TEMP] TLS not available, try again later");
    return;
  }
  out.line("+OK Begin TLS negotiation");
  out.flush();
  auto info = ctl->start();
  if (!info) {
    log::warning("STLS from ", remote, " failed: ", info.error().what);
    std::exit(0);
  }
  in.discard_buffered();
  tls = true;
  user.clear();
  ::setenv("SSL_PROTOCOL", info->protocol.c_str(), 1);
  ::setenv("SSL_CIPHER", info->cipher.c_str(), 1);
}

int PreAuth::authenticate(const auth::Credentials& cred) {
  const std::string& name = cred.login;
  if (!auth::check_credentials(cred)) {
    out.line("-ERR [AUTH] invalid user name or password");
    return -1;
  }
  out.flush();
  SpawnOptions o;
  o.env = {std::string(kPendingEnv) + "=" + hex_encode(in.peek_buffered()),
           std::string(kTlsEnv) + "=" + (tls ? "1" : "0")};
  auto st = auth::run_checkpassword({auth::checkpassword_program(), sibling("posta-pop3d"), "--post-auth"}, cred, o);
  if (!st) {
    log::error("unable to run posta-auth: ", st.error().what);
    out.line("-ERR [SYS/TEMP] temporary failure, try again later");
    return -1;
  }
  if (!st->exited) return kSessionDone;  // post-auth half died: the session is over
  switch (st->code) {
    case auth::kCheckRefused:
      ++failures;
      log::info("login failed: user=<", name, "> ip=", remote, " failures=", failures);
      out.line("-ERR [AUTH] invalid user name or password");
      if (failures >= kMaxFailures) {
        out.line("-ERR [AUTH] too many failures, closing connection");
        return kSessionDone;
      }
      return -1;
    case 111:
      out.line("-ERR [SYS/TEMP] temporary failure, try again later");
      return -1;
    case kMailboxInUse:
      return -1;
    default:
      return kSessionDone;
  }
}

int PreAuth::auth_command(const std::string& arg) {
  std::string mech = upper(arg.substr(0, arg.find(' ')));
  if (mech.empty()) {
    out.line("+OK Supported mechanisms follow");
    if (plaintext_allowed(tls)) out.line("PLAIN");
    out.line(".");
    return -1;
  }
  if (mech != "PLAIN") {
    out.line("-ERR [AUTH] unsupported mechanism");
    return -1;
  }
  if (!plaintext_allowed(tls)) {
    out.line("-ERR [AUTH] plaintext authentication disallowed without TLS (use STLS)");
    return -1;
  }
  std::string response = arg.size() > mech.size() ? arg.substr(mech.size() + 1) : "";
  bool initial = !response.empty();
  if (!initial) {
    out.line("+ ");
    auto l = next_command(in, out);
    if (l.status != Line::Status::kOk) return kSessionDone;
    response = std::move(l.text);
  }
  if (response == "*") {
    out.line("-ERR [AUTH] authentication cancelled");
    return -1;
  }
  auto message = initial ? auth::decode_initial_response(response) : auth::decode_response(response);
  auth::wipe(response);
  if (!message) {
    out.line("-ERR [AUTH] invalid base64");
    return -1;
  }
  auto cred = auth::parse_plain(*message);
  if (!cred) {
    out.line("-ERR [AUTH] malformed PLAIN response");
    return -1;
  }
  return authenticate(*cred);
}

}  // namespace

int run_preauth() {
  PreAuth s;
  apply_limits(limits(), false, s.in, s.out);
  s.out.line("+OK posta POP3 server ready");
  for (;;) {
    Line l = next_command(s.in, s.out);
    if (s.out.failed()) return 0;  // the client stopped reading (logged)
    if (l.status == Line::Status::kTimeout) {
      say_timeout(s.in, s.out);
      return 0;
    }
    if (l.status == Line::Status::kTooLong) {
      s.out.line("-ERR line too long");
      continue;
    }
    if (l.status != Line::Status::kOk) return 0;
    if (l.has_nul) {
      s.out.line("-ERR NUL byte in command");
      continue;
    }
    auto sp = l.text.find(' ');
    std::string verb = upper(l.text.substr(0, sp));
    std::string arg = sp == std::string::npos ? "" : l.text.substr(sp + 1);
    int done = -1;
    if (verb == "CAPA") {
      s.capa();
    } else if (verb == "QUIT") {
      s.out.line("+OK posta POP3 server signing off");
      s.out.flush();
      return 0;
    } else if (verb == "NOOP") {
      s.out.line("-ERR [AUTH] not authenticated");
    } else if (verb == "STLS") {
      s.starttls();
    } else if (verb == "USER") {
      if (!plaintext_allowed(s.tls)) {
        s.out.line("-ERR [AUTH] plaintext authentication disallowed without TLS (use STLS)");
      } else if (arg.empty()) {
        s.out.line("-ERR USER needs a name");
      } else {
        s.user = arg;
        s.out.line("+OK send PASS");
      }
    } else if (verb == "PASS") {
      if (s.user.empty()) {
        s.out.line("-ERR USER first");
      } else {
        done = s.authenticate(auth::Credentials{std::exchange(s.user, ""), auth::Secret(std::move(arg))});
      }
    } else if (verb == "AUTH") {
      done = s.auth_command(arg);
    } else if (verb == "STAT" || verb == "LIST" || verb == "RETR" || verb == "DELE" ||
               verb == "RSET" || verb == "TOP" || verb == "UIDL") {
      s.out.line("-ERR [AUTH] not authenticated");
    } else if (verb == "APOP") {
      s.out.line("-ERR APOP not supported");
    } else {
      s.out.line("-ERR unknown command");
    }
    if (done >= 0) {
      s.out.flush();
      return done;
    }
  }
}

}  // namespace posta::pop3
