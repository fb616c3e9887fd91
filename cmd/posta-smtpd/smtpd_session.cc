// The session loop: greeting, command dispatch, HELO/EHLO, STARTTLS, RSET/NOOP/QUIT/VRFY.
#include <poll.h>
#include <unistd.h>

#include "accounts/lookup.h"
#include "base/exitcode.h"
#include "io/deadline.h"
#include "io/fd.h"
#include "log/log.h"
#include "queue/inject.h"
#include "smtp/reply.h"
#include "smtpd.h"
#include "spf/lookup.h"

namespace posta::smtpd {

using smtp::Verb;

Session::Session(Config cfg, AccountsCache& accounts)
    : cfg_(std::move(cfg)), in_(0, kReaderMax, cfg_.timeout),
      tls_ctl_(StartTls::from_env()), tls_(tls_from_env()), accounts_(accounts),
      rep_(cfg_.reputation, {cfg_.remote_ip, cfg_.me, cfg_.submission, cfg_.local_session}) {
  // posta-sendmail -bs is a local script, not a network client: no overall limit.
  if (!cfg_.local_session) in_.set_deadline(Deadline::after(cfg_.session_limit));
}

Session::~Session() = default;

void Session::send_raw(const std::string& s) { out_ += s; }

void Session::reply(int code, const char* enh, const std::string& text) {
  out_ += smtp::format_reply(code, enh, text);
}

bool Session::error_reply(int code, const char* enh, const std::string& text) {
  reply(code, enh, text);
  if (code >= 500 && ++errors_ >= cfg_.maxerrors) {
    reply(421, "4.7.0", cfg_.me + " Too many errors, closing connection");
    log::info(cfg_.remote_ip, ": too many errors, disconnecting");
    quit_ = true;
    return false;
  }
  return true;
}

bool Session::flush() {
  if (out_.empty()) return true;
  auto st = write_all_timed(1, out_, cfg_.write_timeout, in_.deadline());
  out_.clear();
  if (!st) {
    if (st.error().code == kWriteStalled || st.error().code == kWriteDeadline)
      log::info(cfg_.remote_ip, ": ", st.error().what);
    quit_ = true;
    write_failed_ = true;
    return false;
  }
  return true;
}

// The 421 after the session limit: bounded by the write timeout alone.
void Session::session_expired() {
  reply(421, "4.4.2", cfg_.me + " Session time limit reached, closing connection");
  log::info(cfg_.remote_ip, ": session time limit reached");
  quit_ = true;
}

bool Session::greet() {
  // An early talker sends before our greeting: spam software that does not wait. A local
  // posta-sendmail -bs session is a script piping its commands in: no such check.
  if (cfg_.local_session) {
    out_ += smtp::format_reply(220, "", cfg_.greeting);
    return flush();
  }
  pollfd p{0, POLLIN, 0};
  int r;
  do r = ::poll(&p, 1, static_cast<int>(cfg_.greet_delay.count()));
  while (r < 0 && errno == EINTR);
  if (r > 0) {
    char buf[512];
    if (::read(0, buf, sizeof buf) <= 0) return false;
    log::info(cfg_.remote_ip, ": early talker refused");
    reply(554, "5.5.0", cfg_.me + " SMTP protocol violation: talked before the greeting");
    flush();
    return false;
  }
  out_ += smtp::format_reply(220, "", cfg_.greeting);
  return flush();
}

bool Session::read_failed(const Line& l) {
  switch (l.status) {
    case Line::Status::kTimeout:
      if (in_.deadline().passed()) {
        session_expired();
        return true;
      }
      reply(421, "4.4.2", cfg_.me + " Timeout, closing connection");
      log::info(cfg_.remote_ip, ": timeout");
      quit_ = true;
      return true;
    case Line::Status::kTooLong:
      return !error_reply(500, "5.5.2", "Line too long");
    case Line::Status::kEof:
    case Line::Status::kError:
      quit_ = true;
      return true;
    case Line::Status::kOk:
      break;
  }
  return false;
}

int Session::run() {
  log::info(cfg_.remote_ip, ": connect", cfg_.submission ? " (submission)" : "",
            tls_ ? " tls=" + tls_->protocol : "");
  if (auto r = rep_.at_connect()) {
    reply(r->code, r->enh, r->text);
    flush();
    return kExitOk;
  }
  if (!greet()) return kExitOk;
  while (!quit_) {
    if (in_.buffered() == 0 && !flush()) break;
    if (in_.deadline().passed()) {
      session_expired();
      break;
    }
    Line l = in_.read_line();
    if (read_failed(l)) continue;
    if (l.status != Line::Status::kOk) continue;
    if (l.has_nul || l.bare_cr) {
      error_reply(500, "5.5.2", l.has_nul ? "NUL character in command" : "Bare CR in command");
      continue;
    }
    auto cmd = smtp::parse_command(l.text);
    if (!cmd) {
      error_reply(500, "5.5.2", "Syntax error: " + cmd.error().what);
      continue;
    }
    dispatch(*cmd, l.text.size() + 2);
  }
  if (!write_failed_ && !out_.empty()) (void)write_all_timed(1, out_, cfg_.write_timeout);
  out_.clear();
  if (bdat_job_) bdat_job_->abort();
  log::info(cfg_.remote_ip, ": disconnect messages=", messages_);
  return kExitOk;
}

bool Session::dispatch(const smtp::Command& cmd, size_t line_size) {
  size_t limit = kMaxCommandLine;
  if (cmd.verb == Verb::kMail || cmd.verb == Verb::kRcpt) limit = kMaxPathLine;
  if (cmd.verb == Verb::kAuth) limit = kMaxAuthLine;
  if (line_size > limit) return error_reply(500, "5.5.2", "Line too long");
  bool noarg = cmd.arg.empty();
  switch (cmd.verb) {
    case Verb::kHelo: do_helo(cmd, false); break;
    case Verb::kEhlo: do_helo(cmd, true); break;
    case Verb::kMail: do_mail(cmd); break;
    case Verb::kRcpt: do_rcpt(cmd); break;
    case Verb::kData: do_data(cmd); break;
    case Verb::kBdat: do_bdat(cmd); break;
    case Verb::kAuth: do_auth(cmd); break;
    case Verb::kStartTls: do_starttls(cmd); break;
    case Verb::kVrfy:
    case Verb::kExpn:
    case Verb::kHelp: do_vrfy_help(cmd); break;
    case Verb::kRset:
      if (!noarg) return error_reply(501, "5.5.4", "Syntax: RSET");
      reset_transaction();
      reply(250, "2.0.0", "Ok");
      break;
    case Verb::kNoop: reply(250, "2.0.0", "Ok"); break;
    case Verb::kQuit:
      reply(221, "2.0.0", cfg_.me + " closing connection");
      quit_ = true;
      break;
    case Verb::kUnknown:
      return error_reply(500, "5.5.1", "Command unrecognized");
  }
  return true;
}

void Session::reset_transaction() {
  if (bdat_job_) bdat_job_->abort();
  bdat_job_.reset();
  bdat_body_.reset();
  bdat_split_.reset();
  tx_ = Transaction{};
}

void Session::do_helo(const smtp::Command& cmd, bool esmtp) {
  if (cmd.arg.empty() || cmd.arg.find(' ') != std::string::npos) {
    error_reply(501, "5.5.4", std::string("Syntax: ") + (esmtp ? "EHLO" : "HELO") + " hostname");
    return;
  }
  reset_transaction();
  helo_ = cmd.arg.substr(0, 255);
  esmtp_ = esmtp;
  if (!esmtp) {
    reply(250, "", cfg_.me);
    return;
  }
  std::vector<std::string> lines{cfg_.me + " Hello " + log::printable(helo_, 64) + " [" + cfg_.remote_ip + "]",
                                 "PIPELINING", "SIZE " + std::to_string(cfg_.databytes),
                                 "8BITMIME", "SMTPUTF8", "ENHANCEDSTATUSCODES", "CHUNKING", "DSN"};
  if (tls_ctl_ && !tls_) lines.push_back("STARTTLS");
  if (cfg_.auth_offered && auth_user_.empty() && (tls_ || cfg_.authplaintext)) lines.push_back("AUTH PLAIN LOGIN");
  lines.push_back("HELP");
  send_raw(smtp::format_lines(250, lines));
}

void Session::do_starttls(const smtp::Command& cmd) {
  if (!tls_ctl_ || tls_) {
    error_reply(tls_ ? 503 : 502, "5.5.1",
                tls_ ? "TLS already active" : "STARTTLS not available");
    return;
  }
  if (!cmd.arg.empty()) {
    error_reply(501, "5.5.4", "Syntax: STARTTLS");
    return;
  }
  if (in_.buffered() > 0)
    log::warning(cfg_.remote_ip, ": discarding ", in_.buffered(), " bytes sent after STARTTLS");
  if (auto ready = tls_ctl_->prepare(); !ready) {
    log::warning(cfg_.remote_ip, ": STARTTLS refused, posta-tlsd unreachable: ", ready.error().what);
    error_reply(454, "4.7.0", "TLS not available due to temporary reason");
    return;
  }
  reply(220, "2.0.0", "Ready to start TLS");
  if (!flush()) return;
  auto info = tls_ctl_->start(cfg_.timeout);
  if (!info) {
    log::info(cfg_.remote_ip, ": TLS handshake failed: ", info.error().what);
    quit_ = true;
    return;
  }
  in_.discard_buffered();
  tls_ = *info;
  // RFC 3207 4.2: forget everything learnt before TLS.
  reset_transaction();
  helo_.clear();
  esmtp_ = false;
  auth_user_.clear();
  log::info(cfg_.remote_ip, ": STARTTLS ", tls_->protocol, " ", tls_->cipher);
}

void Session::do_vrfy_help(const smtp::Command& cmd) {
  if (cmd.verb == Verb::kHelp) {
    reply(214, "2.0.0", "posta-smtpd: see RFC 5321; commands: EHLO HELO MAIL RCPT DATA BDAT "
                        "RSET NOOP QUIT VRFY HELP STARTTLS AUTH");
  } else if (cmd.verb == Verb::kExpn) {
    error_reply(502, "5.5.1", "EXPN not available");
  } else if (cmd.arg.empty()) {
    error_reply(501, "5.5.4", "Syntax: VRFY address");
  } else {
    reply(252, "2.5.2", "Cannot VRFY user, but will accept message and attempt delivery");
  }
}

std::string Session::protocol_name() const {
  std::string p = !esmtp_ ? "SMTP" : tx_.smtputf8 ? "UTF8SMTP" : "ESMTP";
  if (esmtp_ && tls_) p += "S";
  if (esmtp_ && !auth_user_.empty()) p += "A";
  return p;
}

Result<accounts::Accounts*> Session::accounts() { return accounts_.get(cfg_.home); }

AccountsCache::AccountsCache() = default;
AccountsCache::~AccountsCache() = default;

Result<accounts::Accounts*> AccountsCache::get(const std::string& home) {
  if (acc_ && home == home_) return acc_.get();
  acc_.reset();
  auto a = accounts::Accounts::open(home, accounts::Accounts::Mode::kPublished);
  if (!a) return std::unexpected(a.error());
  acc_ = std::make_unique<accounts::Accounts>(std::move(*a));
  home_ = home;
  return acc_.get();
}

}  // namespace posta::smtpd
