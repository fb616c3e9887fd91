// Before login: STARTTLS, LOGIN, AUTHENTICATE PLAIN, and the hand-over to posta-auth.
//
// The pre-auth process runs `posta-auth posta-imapd --post-auth` through the checkpassword
// client (lib/auth), with a hand-over pipe on fd 4 (POSTA_IMAP_HANDOFF=4). The post-auth
// process writes one byte to it as soon as it runs, then answers the tagged OK itself
// (POSTA_IMAP_TAG) and serves the rest of the session on fd 0/1. The pre-auth process waits:
// a byte on the pipe means the session was served (it exits when the child exits); no byte
// and exit 1 means bad credentials (tagged NO, the session goes on); anything else is
// temporary trouble.
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>

#include "auth/checkpassword.h"
#include "auth/sasl.h"
#include "base/hex.h"
#include "imapd_session.h"
#include "io/fd.h"
#include "log/log.h"
#include "maildir/maildir.h"
#include "proc/child.h"
#include "tls/tls_control.h"

namespace posta::imapd {

void Session::cmd_starttls(const std::string& tag, Parser& p) {
  if (!p.at_end()) return bad(tag, "STARTTLS takes no arguments");
  if (!tls_ctl_ || tls_) return bad(tag, "STARTTLS not available");
  if (auto ready = tls_ctl_->prepare(); !ready) {
    log::warning("STARTTLS refused ip=", remote_, ", posta-tlsd unreachable: ", ready.error().what);
    out_.line(tag + " NO [UNAVAILABLE] TLS not available, try again later");
    return;
  }
  out_.line(tag + " OK Begin TLS negotiation now");
  if (!out_.flush()) { logout_ = true; return; }
  auto info = tls_ctl_->start();
  if (!info) {
    log::warning("STARTTLS failed ip=", remote_, ": ", info.error().what);
    logout_ = true;
    return;
  }
  in_.discard_buffered();
  tls_ = true;
  ::setenv("SSL_PROTOCOL", info->protocol.c_str(), 1);
  ::setenv("SSL_CIPHER", info->cipher.c_str(), 1);
  ::setenv("POSTA_IMAP_TLS", "1", 1);
}

void Session::cmd_login(const std::string& tag, Parser& p) {
  if (!p.sp()) return bad(tag, "LOGIN needs user and password");
  auto user = p.astring();
  if (!user || !p.sp()) return bad(tag, "LOGIN needs user and password");
  auto pass = p.astring();
  if (!pass || !p.at_end()) return bad(tag, "Invalid LOGIN arguments");
  if (!tls_ && !cfg_.plaintext_ok) return no(tag, "[PRIVACYREQUIRED] LOGIN is disabled before STARTTLS");
  authenticate(tag, auth::Credentials{std::move(*user), auth::Secret(std::move(*pass))});
}

void Session::cmd_authenticate(const std::string& tag, Parser& p) {
  if (!p.sp()) return bad(tag, "AUTHENTICATE needs a mechanism");
  auto mech = p.atom();
  if (!mech) return bad(tag, "AUTHENTICATE needs a mechanism");
  if (posta::upper(*mech) != "PLAIN") return no(tag, "Unsupported authentication mechanism");
  if (!tls_ && !cfg_.plaintext_ok) return no(tag, "[PRIVACYREQUIRED] AUTHENTICATE is disabled before STARTTLS");
  std::string response;
  bool initial = p.sp();
  if (initial) {
    auto ir = p.atom();
    if (!ir) return bad(tag, "Invalid initial response");
    response = std::move(*ir);
  } else {
    if (!p.at_end()) return bad(tag, "Invalid AUTHENTICATE arguments");
    out_.line("+ ");
    if (!out_.flush()) { logout_ = true; return; }
    Line l = in_.read_line();
    if (l.status != Line::Status::kOk) {
      if (l.status == Line::Status::kTooLong) return bad(tag, "Response too long");
      logout_ = true;
      return;
    }
    if (l.text == "*") return bad(tag, "Authentication cancelled");
    response = std::move(l.text);
  }
  auto message = initial ? auth::decode_initial_response(response) : auth::decode_response(response);
  auth::wipe(response);
  if (!message) return bad(tag, "Invalid base64 in response");
  auto cred = auth::parse_plain(*message);
  if (!cred) return bad(tag, "Malformed PLAIN response");
  authenticate(tag, *cred);
}

void Session::authenticate(const std::string& tag, const auth::Credentials& cred) {
  const std::string& user = cred.login;
  if (!auth::check_credentials(cred)) return no(tag, "[AUTHENTICATIONFAILED] Authentication failed");
  auto hand = Pipe::make();
  if (!hand) return no(tag, "[UNAVAILABLE] Temporary failure");
  if (!out_.flush()) { logout_ = true; return; }
  SpawnOptions opt;
  opt.fds = {{hand->write.get(), 4}};
  opt.env = {"POSTA_IMAP_TAG=" + tag, "POSTA_IMAP_HANDOFF=4", "POSTA_IMAP_LOGIN=" + user};
  if (tls_) opt.env.push_back("POSTA_IMAP_TLS=1");
  // Commands the client pipelined after the login travel along (hex, at most 16 KiB).
  std::string pending = in_.take_buffered();
  if (!pending.empty()) opt.env.push_back("POSTA_IMAP_PENDING=" + hex_encode(pending));
  auto st = auth::run_checkpassword({auth::checkpassword_program(), sibling("posta-imapd"), "--post-auth"}, cred, opt);
  hand->write.reset();
  char b = 0;
  set_nonblock(hand->read.get(), true);
  bool took_over = ::read(hand->read.get(), &b, 1) == 1;
  if (took_over) {
    logout_ = true;  // the post-auth process served the session
    return;
  }
  in_.prepend(pending);
  if (st && st->exited && st->code == auth::kCheckRefused) {
    log::info("login failed user=", log::printable(user, 100), " ip=", remote_);
    return no(tag, "[AUTHENTICATIONFAILED] Authentication failed");
  }
  log::warning("posta-auth failed: ", st ? st->describe() : st.error().what);
  no(tag, "[UNAVAILABLE] Temporary authentication failure");
}

namespace {
void create_default_folders(mailstore::Folders& f) {
  for (const auto& n : maildir::default_folders()) {
    if (!f.exists(n)) (void)f.create(n);
    (void)f.subscribe(n, true);
  }
}
}  // namespace

bool Session::start_post_auth() {
  if (const char* h = std::getenv("POSTA_IMAP_HANDOFF")) {
    int fd = std::atoi(h);
    (void)!::write(fd, "1", 1);
    ::close(fd);
    ::unsetenv("POSTA_IMAP_HANDOFF");
  }
  const char* md = std::getenv("MAILDIR");
  const char* u = std::getenv("USER");
  const char* login = std::getenv("POSTA_IMAP_LOGIN");
  std::string tag = std::getenv("POSTA_IMAP_TAG") ? std::getenv("POSTA_IMAP_TAG") : "";
  if (!md || !*md) {
    log::error("MAILDIR is not set");
    out_.line((tag.empty() ? "* BYE" : tag + " NO") + " [UNAVAILABLE] Mail store not available");
    return false;
  }
  maildir_ = md;
  while (maildir_.size() > 1 && maildir_.back() == '/') maildir_.pop_back();
  user_ = u ? u : "";
  login_ = login ? login : user_;
  domain_ = mailstore::domain_of(user_);
  if (auto s = maildir::ensure_maildir(maildir_); !s) {
    log::error("mail store of ", user_, ": ", s.error().what);
    out_.line((tag.empty() ? "* BYE" : tag + " NO") + " [UNAVAILABLE] Mail store not available");
    return false;
  }
  folders_ = std::make_unique<mailstore::Folders>(maildir_);
  if (::access((maildir_ + "/subscriptions").c_str(), F_OK) != 0) create_default_folders(*folders_);
  authenticated_ = true;
  in_.set_timeout(std::chrono::seconds(cfg_.idle_timeout));
  reader_.set_limits(imap::ReadLimits{65536, cfg_.max_message, cfg_.max_message, 1000});
  if (std::getenv("POSTA_IMAP_RESUME")) return resume_hibernated();
  const char* master = std::getenv("POSTA_MASTER_USER");
  log::info("login user=", user_, login_ != user_ ? " login=" + login_ : "",
            master && *master ? std::string(" master=") + master : "", " ip=", remote_,
            " tls=", tls_ ? "yes" : "no");
  if (tag.empty()) out_.line("* PREAUTH [CAPABILITY " + capabilities() + "] Logged in as " + user_);
  else out_.line(tag + " OK [CAPABILITY " + capabilities() + "] Logged in");
  ::unsetenv("POSTA_IMAP_TAG");
  if (const char* pend = std::getenv("POSTA_IMAP_PENDING")) {
    in_.prepend(hex_decode(pend).value_or(""));
    ::unsetenv("POSTA_IMAP_PENDING");
  }
  return true;
}

void Session::cmd_id(const std::string& tag, Parser& p) {
  if (!p.sp()) return bad(tag, "ID needs an argument");
  if (!p.skip_word("NIL")) {
    if (!p.skip('(')) return bad(tag, "Invalid ID argument");
    int n = 0;
    while (p.peek() != ')' && !p.at_end()) {
      if (n && !p.sp()) return bad(tag, "Invalid ID argument");
      if (!p.nstring()) return bad(tag, "Invalid ID argument");
      if (++n > 60) return bad(tag, "Too many ID fields");
    }
    if (!p.skip(')')) return bad(tag, "Invalid ID argument");
  }
  if (!p.at_end()) return bad(tag, "Invalid ID argument");
  out_.line("* ID (\"name\" \"posta\" \"version\" \"1\")");
  ok(tag, "ID completed");
}

}  // namespace posta::imapd
