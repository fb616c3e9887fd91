// Before login: greeting, CAPABILITY, STARTTLS, AUTHENTICATE "PLAIN", NOOP, LOGOUT. No
// mailbox access. Passwords go to `posta-auth posta-managesieved --post-auth` through the
// checkpassword client (lib/auth).
#include <cstdlib>

#include "auth/checkpassword.h"
#include "auth/sasl.h"
#include "base/hex.h"
#include "base/strings.h"
#include "io/fd.h"
#include "log/log.h"
#include "managesieve.h"
#include "proc/child.h"
#include "tls/tls_control.h"

namespace posta::managesieved {
namespace {

constexpr int kMaxFailures = 10;
constexpr int kStayUnauthenticated = -1;

struct PreAuth {
  Conn c{limits(), false, kMaxPreauthLiteral};
  bool tls = tls_from_env().has_value();
  std::optional<StartTls> ctl = StartTls::from_env();
  int failures = 0;
  std::string remote = std::getenv("TCPREMOTEIP") ? std::getenv("TCPREMOTEIP") : "unknown";

  managesieve::Capabilities caps() const;
  void starttls();
  // An exit code when the session is over, or kStayUnauthenticated.
  int authenticate(managesieve::Command& cmd);
  int check(auth::Credentials cred);
};

managesieve::Capabilities PreAuth::caps() const {
  auto c = base_capabilities();
  c.sasl_plain = plaintext_allowed(tls);
  c.starttls = ctl && !tls;
  return c;
}

void PreAuth::starttls() {
  if (!ctl || tls) return c.say("NO", "", tls ? "TLS already active" : "STARTTLS not available");
  if (auto ready = ctl->prepare(); !ready) {
    log::warning("STARTTLS from ", remote, " refused, posta-tlsd unreachable: ", ready.error().what);
    return c.say("NO", "TRYLATER", "TLS not available, try again later");
  }
  c.say("OK", "", "Begin TLS negotiation now");
  if (!c.out.flush()) std::exit(0);
  auto info = ctl->start();
  if (!info) {
    log::warning("STARTTLS from ", remote, " failed: ", info.error().what);
    std::exit(0);
  }
  c.in.discard_buffered();
  tls = true;
  ::setenv("SSL_PROTOCOL", info->protocol.c_str(), 1);
  ::setenv("SSL_CIPHER", info->cipher.c_str(), 1);
  send_capabilities(c, caps());  // RFC 5804 section 2.2: capabilities again after TLS
}

int PreAuth::check(auth::Credentials cred) {
  if (!auth::check_credentials(cred)) {
    c.say("NO", "", "Authentication failed");
    return kStayUnauthenticated;
  }
  if (!c.out.flush()) return kSessionDone;
  auto back = Pipe::make();  // the post-auth half's unread input after UNAUTHENTICATE
  if (!back) {
    log::error("unable to make a pipe: ", back.error().what);
    c.say("NO", "TRYLATER", "temporary failure, try again later");
    return kStayUnauthenticated;
  }
  SpawnOptions o;
  o.env = {std::string(kPendingEnv) + "=" + hex_encode(c.in.peek_buffered()),
           std::string(kTlsEnv) + "=" + (tls ? "1" : "0")};
  o.fds = {{back->write.get(), kGiveBackFd}};
  auto st = auth::run_checkpassword({auth::checkpassword_program(), sibling("posta-managesieved"), "--post-auth"},
                                    cred, o);
  if (!st) {
    log::error("unable to run posta-auth: ", st.error().what);
    c.say("NO", "TRYLATER", "temporary failure, try again later");
    return kStayUnauthenticated;
  }
  if (!st->exited) return kSessionDone;  // the post-auth half died: the session is over
  back->write.reset();
  switch (st->code) {
    case kUnauthenticated: {
      // The child answered OK and exited: what it had read ahead comes back, in place of
      // what we handed it.
      auto rest = read_all(back->read.get(), kMaxGiveBack);
      if (!rest) return kSessionDone;
      c.in.discard_buffered();
      c.in.prepend(*rest);
      return kStayUnauthenticated;
    }
    case auth::kCheckRefused:
      ++failures;
      log::info("login failed: user=<", log::printable(cred.login, 100), "> ip=", remote, " failures=", failures);
      if (failures >= kMaxFailures) {
        c.say("BYE", "", "too many failures, closing connection");
        return kSessionDone;
      }
      c.say("NO", "", "Authentication failed");
      return kStayUnauthenticated;
    case 111:
      c.say("NO", "TRYLATER", "temporary failure, try again later");
      return kStayUnauthenticated;
    default:
      return kSessionDone;
  }
}

int PreAuth::authenticate(managesieve::Command& cmd) {
  if (auto st = managesieve::expect_args(cmd, "ss", 1); !st) {
    c.say("NO", "", st.error().what);
    return kStayUnauthenticated;
  }
  if (upper(cmd.args[0].str) != "PLAIN") {
    c.say("NO", "", "unsupported SASL mechanism (PLAIN only)");
    return kStayUnauthenticated;
  }
  if (!plaintext_allowed(tls)) {
    c.say("NO", "ENCRYPT-NEEDED", "plaintext authentication disallowed without TLS (use STARTTLS)");
    return kStayUnauthenticated;
  }
  std::string response;
  if (cmd.args.size() == 2) {
    response = std::move(cmd.args[1].str);
  } else {
    c.out.line("\"\"");  // the empty challenge of PLAIN
    bool bad = false;
    auto r = c.sasl_response(&bad);
    if (!r) return bad ? kStayUnauthenticated : kSessionDone;
    response = std::move(*r);
  }
  if (response == "*") {
    c.say("NO", "", "Authentication cancelled");
    return kStayUnauthenticated;
  }
  auto message = auth::decode_response(response);
  auth::wipe(response);
  if (!message) {
    c.say("NO", "", "invalid base64");
    return kStayUnauthenticated;
  }
  auto cred = auth::parse_plain(*message);
  if (!cred) {
    c.say("NO", "", "malformed PLAIN response");
    return kStayUnauthenticated;
  }
  return check(std::move(*cred));
}

}  // namespace

int run_preauth() {
  PreAuth s;
  send_capabilities(s.c, s.caps());  // the greeting
  for (;;) {
    imap::RawCommand raw;
    auto cmd = s.c.next(&raw);
    if (!cmd) return 0;
    const std::string& name = cmd->name;
    int done = kStayUnauthenticated;
    if (name == "AUTHENTICATE") {
      done = s.authenticate(*cmd);
      for (auto& a : cmd->args) auth::wipe(a.str);
    } else if (name == "CAPABILITY") {
      send_capabilities(s.c, s.caps());
    } else if (name == "STARTTLS") {
      s.starttls();
    } else if (name == "NOOP") {
      noop(s.c, *cmd);
    } else if (name == "UNAUTHENTICATE") {
      s.c.say("NO", "", "not authenticated");
    } else if (name == "LOGOUT") {
      s.c.say("OK", "", "Logout completed");
      s.c.out.flush_final();
      return 0;
    } else if (name == "HAVESPACE" || name == "PUTSCRIPT" || name == "LISTSCRIPTS" || name == "SETACTIVE" ||
               name == "GETSCRIPT" || name == "DELETESCRIPT" || name == "RENAMESCRIPT" ||
               name == "CHECKSCRIPT") {
      s.c.say("NO", "", "authenticate first");
    } else {
      s.c.say("NO", "", "unknown command");
    }
    wipe(raw);
    if (done >= 0) {
      s.c.out.flush_final();
      return done;
    }
  }
}

}  // namespace posta::managesieved
