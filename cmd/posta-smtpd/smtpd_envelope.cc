// MAIL and RCPT: strict path syntax, ESMTP parameters, limits and recipient policy.
#include <charconv>

#include "control/control.h"
#include "log/log.h"
#include "queue/envelope.h"
#include "smtpd.h"

namespace posta::smtpd {
namespace {

bool parse_size(const std::string& v, size_t& out) {
  if (v.empty() || v.size() > 18) return false;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  return ec == std::errc() && p == v.data() + v.size();
}

}  // namespace

bool Session::mail_params(const smtp::PathArgs& a) {
  for (auto& p : a.params) {
    const std::string v = p.value.value_or("");
    if (p.keyword == "SIZE") {
      if (!parse_size(v, tx_.declared_size)) return refuse(501, "5.5.4", "Invalid SIZE value");
    } else if (p.keyword == "BODY") {
      std::string b = upper(v);
      if (b != "7BIT" && b != "8BITMIME") return refuse(555, "5.5.4", "Unsupported BODY value");
      tx_.body = b;
    } else if (p.keyword == "SMTPUTF8") {
      if (p.value) return refuse(501, "5.5.4", "SMTPUTF8 takes no value");
      tx_.smtputf8 = true;
    } else if (p.keyword == "RET") {
      std::string r = upper(v);
      if (r != "FULL" && r != "HDRS") return refuse(501, "5.5.4", "Invalid RET value");
      tx_.ret = r;
    } else if (p.keyword == "ENVID") {
      auto d = smtp::xtext_decode(v);
      if (!d || d->empty() || v.size() > 100) return refuse(501, "5.5.4", "Invalid ENVID value");
      tx_.envid = *d;
    } else if (p.keyword == "AUTH") {
      // RFC 4954 5: accepted and not trusted; the session's own login is what counts.
      if (!p.value) return refuse(501, "5.5.4", "Invalid AUTH value");
    } else {
      return refuse(555, "5.5.4", "Unsupported parameter " + p.keyword);
    }
  }
  return true;
}

bool Session::rcpt_params(const smtp::PathArgs& a, Rcpt& r) {
  for (auto& p : a.params) {
    const std::string v = p.value.value_or("");
    if (p.keyword == "NOTIFY") {
      r.notify = queue::canonical_notify(v);
      if (r.notify.empty()) return refuse(501, "5.5.4", "Invalid NOTIFY value");
    } else if (p.keyword == "ORCPT") {
      auto semi = v.find(';');
      auto d = smtp::xtext_decode(semi == std::string::npos ? "" : v.substr(semi + 1));
      if (semi == std::string::npos || semi == 0 || !d || d->empty() || d->size() > 500)
        return refuse(501, "5.5.4", "Invalid ORCPT value");
      for (unsigned char c : *d)
        if (c < 32 || c == 127) return refuse(501, "5.5.4", "Invalid ORCPT value");
      r.orcpt = v.substr(0, semi) + ";" + *d;
    } else {
      return refuse(555, "5.5.4", "Unsupported parameter " + p.keyword);
    }
  }
  return true;
}

void Session::do_mail(const smtp::Command& cmd) {
  if (helo_.empty()) {
    error_reply(503, "5.5.1", "Send HELO or EHLO first");
    return;
  }
  if (tx_.active) {
    error_reply(503, "5.5.1", "Nested MAIL command");
    return;
  }
  if (cfg_.submission && auth_user_.empty()) {
    error_reply(530, "5.7.0", "Authentication required");
    return;
  }
  if (messages_ >= cfg_.maxmessages) {
    reply(421, "4.7.0", cfg_.me + " Too many messages in this session, closing connection");
    quit_ = true;
    return;
  }
  auto a = smtp::parse_path_args(cmd.arg, "FROM:", esmtp_, true);
  if (!a) {
    error_reply(501, "5.1.7", "Bad sender address syntax: " + a.error().what);
    return;
  }
  if (!a->params.empty() && !esmtp_) {
    error_reply(555, "5.5.4", "Parameters need EHLO");
    return;
  }
  tx_ = Transaction{};
  if (!mail_params(*a)) {
    tx_ = Transaction{};
    return;
  }
  const smtp::Path& path = a->path;
  if (!path.null && path.mailbox.domain.empty()) {
    error_reply(501, "5.1.7", "Sender address must have a domain");
    return;
  }
  if (path.mailbox.utf8 && !tx_.smtputf8) {
    tx_ = Transaction{};
    error_reply(553, "5.6.7", "UTF-8 address needs the SMTPUTF8 parameter");
    return;
  }
  if (cfg_.databytes && tx_.declared_size > cfg_.databytes) {
    tx_ = Transaction{};
    error_reply(552, "5.3.4", "Message size exceeds fixed maximum message size");
    return;
  }
  std::string sender = path.null ? "" : path.mailbox.str();
  // On every port: a login is a login, whichever service it was given on.
  if (!auth_user_.empty() && cfg_.sendercheck && !sender.empty()) {
    auto owned = sender_belongs_to_login(sender);
    if (!owned || !*owned) {
      tx_ = Transaction{};
      if (!owned) reply(451, "4.3.0", "Temporary lookup failure, please try again later");
      else error_reply(553, "5.7.1", "Sender address <" + sender + "> not owned by user " + auth_user_);
      log::info(cfg_.remote_ip, ": sender <", sender, "> refused for login ", auth_user_);
      return;
    }
  }
  if (auto r = rep_.at_mail(helo_, sender, auth_user_, [this](const std::string& d) {
        auto l = is_local_domain(d);
        return l && *l;
      })) {
    tx_ = Transaction{};
    error_reply(r->code, r->enh, r->text);
    return;
  }
  if (!spf_allows(sender)) {
    tx_ = Transaction{};
    return;
  }
  tx_.active = true;
  tx_.sender = sender;
  reply(250, "2.1.0", "Ok");
}

void Session::do_rcpt(const smtp::Command& cmd) {
  if (!tx_.active || bdat_job_) {
    error_reply(503, "5.5.1", bdat_job_ ? "RCPT during BDAT transfer" : "Need MAIL command first");
    return;
  }
  auto a = smtp::parse_path_args(cmd.arg, "TO:", tx_.smtputf8, false);
  if (!a) {
    error_reply(501, "5.1.3", "Bad recipient address syntax: " + a.error().what);
    return;
  }
  Rcpt r;
  if (!rcpt_params(*a, r)) return;
  if (tx_.rcpts.size() >= cfg_.maxrcpt) {
    ++tx_.rcpt_overflow;
    reply(452, "4.5.3", "Too many recipients");
    return;
  }
  smtp::Mailbox m = a->path.mailbox;
  if (m.domain.empty()) m = smtp::Mailbox{"postmaster", lower(cfg_.me)};  // RCPT TO:<Postmaster>
  if (!m.literal) m.domain = lower(m.domain);
  auto verdict = check_recipient(m);
  if (!verdict) {
    reply(451, "4.3.0", "<" + m.str() + ">: Temporary lookup failure, please try again later");
    log::warning(cfg_.remote_ip, ": rcpt <", m.str(), "> lookup failed: ", verdict.error().what);
    return;
  }
  switch (*verdict) {
    case RcptVerdict::kAccept: break;
    case RcptVerdict::kUnknown:
      error_reply(550, "5.1.1", "<" + m.str() + ">: Recipient address rejected: User unknown");
      log::info(cfg_.remote_ip, ": rcpt <", m.str(), "> unknown");
      return;
    case RcptVerdict::kDisabled:
      error_reply(550, "5.2.1", "<" + m.str() + ">: Recipient address rejected: Mailbox disabled");
      return;
    case RcptVerdict::kRelayDenied:
      error_reply(554, "5.7.1", "<" + m.str() + ">: Relay access denied");
      log::info(cfg_.remote_ip, ": relay to <", m.str(), "> denied");
      return;
  }
  if (auto g = rep_.at_rcpt(m, tx_.sender, auth_user_)) {
    error_reply(g->code, g->enh, g->text);
    return;
  }
  r.address = m.str();
  // Accounts are case-insensitive: ALICE@ and alice@ are one delivery, not two.
  bool dup = false;
  for (auto& x : tx_.rcpts)
    if (lower(x.address) == lower(r.address)) dup = true;
  if (!dup) tx_.rcpts.push_back(std::move(r));
  reply(250, "2.1.5", "Ok");
}

}  // namespace posta::smtpd
