#include "smtpclient/client.h"

#include <algorithm>

#include "log/log.h"
#include "smtpclient/sasl.h"

namespace posta::smtpc {
namespace {

Outcome next(Outcome out, std::string why) {
  out.try_next = true;
  out.error = std::move(why);
  return out;
}

std::string mail_command(const Message& m, const Extensions& e, size_t size);
void fill_rcpts(Outcome& out, size_t n, char code, const std::string& text);

}  // namespace

void Session::quit() {
  reusable_ = false;
  if (quit_sent_) return;
  quit_sent_ = true;
  (void)c_.write("QUIT\r\n", std::chrono::seconds(5));
  (void)read_reply(std::chrono::seconds(5));
}

Result<Reply> Session::read_reply(Millis t) {
  ReplyParser p;
  for (;;) {
    auto line = c_.read_line(t, ReplyParser::kMaxLine);
    if (!line) return std::unexpected(line.error());
    auto r = p.feed(*line);
    if (!r) return fail(o_.label + ": " + r.error().what);
    if (*r) return std::move(**r);
  }
}

Result<Reply> Session::command(const std::string& line, Millis t) {
  if (auto w = c_.write(line + "\r\n", o_.timeouts.command); !w) return std::unexpected(w.error());
  return read_reply(t);
}

bool Session::ehlo(Outcome& out) {
  auto r = command("EHLO " + o_.helo, o_.timeouts.command);
  if (!r) return out.error = r.error().what, false;
  if (r->positive()) {
    ext_ = parse_ehlo(*r);
    return true;
  }
  ext_ = Extensions{};
  r = command("HELO " + o_.helo, o_.timeouts.command);
  if (!r) return out.error = r.error().what, false;
  if (!r->positive()) return out.error = o_.label + " refused HELO: " + r->text(), false;
  return true;
}

bool Session::open(Outcome& out) {
  auto g = read_reply(o_.timeouts.greeting);
  if (!g) return out.error = g.error().what, false;
  if (g->code != 220) {
    out.error = o_.label + " greeted with: " + g->text();
    quit();
    return false;
  }
  return ehlo(out) && maybe_tls(out) && maybe_auth(out);
}

bool Session::maybe_tls(Outcome& out) {
  bool required = o_.policy == TlsPolicy::kEncrypt || o_.policy == TlsPolicy::kVerify;
  if (o_.policy == TlsPolicy::kNone || o_.skip_tls || !o_.tls) return true;
  if (!ext_.starttls) {
    if (!required) return true;
    out.error = o_.label + " does not offer STARTTLS (TLS policy " + policy_name(o_.policy) + ")";
    quit();
    return false;
  }
  if (auto st = o_.tls->ensure(); !st) {  // e.g. a broken control/tlsca: defer, never downgrade
    out.error = st.error().what;
    quit();
    return false;
  }
  auto r = command("STARTTLS", o_.timeouts.command);
  if (!r) return out.error = r.error().what, false;
  if (r->code != 220) {
    if (!required) return true;
    out.error = o_.label + " refused STARTTLS: " + r->text();
    quit();
    return false;
  }
  auto t = c_.start_tls(*o_.tls, o_.tls_name, o_.policy == TlsPolicy::kVerify ? o_.tls_name : "",
                        o_.timeouts.command);
  if (!t) {
    out.error = t.error().what;
    out.retry_without_tls = !required;
    return false;
  }
  out.tls = *t;
  if (o_.policy == TlsPolicy::kVerify && !t->verified) {
    out.error = o_.label + ": certificate verification failed: " + t->verify_error;
    quit();
    return false;
  }
  return ehlo(out);
}

bool Session::maybe_auth(Outcome& out) {
  if (!o_.credentials) return true;
  if (!c_.tls() && !o_.allow_plaintext_auth) {
    out.error = o_.label + ": refusing to send credentials without TLS";
    quit();
    return false;
  }
  if (ext_.auth.empty()) {
    out.error = o_.label + " does not offer AUTH";
    quit();
    return false;
  }
  auto r = authenticate(ext_, *o_.credentials, [&](const std::string& line) {
    return command(line, o_.timeouts.command);
  });
  if (!r) {
    out.error = o_.label + ": " + r.error().what;
    quit();
    return false;
  }
  return true;
}

namespace {
std::string mail_command(const Message& m, const Extensions& e, size_t size) {
  std::string cmd = "MAIL FROM:<" + m.sender + ">";
  if (e.size) cmd += " SIZE=" + std::to_string(size);
  if (m.eight_bit && e.eightbitmime) cmd += " BODY=8BITMIME";
  if (e.smtputf8 && (m.wants_smtputf8 || m.needs_smtputf8)) cmd += " SMTPUTF8";
  return cmd;
}

void fill_rcpts(Outcome& out, size_t n, char code, const std::string& text) {
  out.rcpts.assign(n, RcptResult{code, text});
}
}  // namespace

void Session::transaction(const Message& m, Outcome& out) {
  reusable_ = false;
  size_t size = m.data.size();
  if (m.needs_smtputf8 && !ext_.smtputf8) {
    out.error = "5.6.7 " + o_.label + " does not support SMTPUTF8, needed for the UTF-8 address(es) or header fields of this message";
    out.permanent_error = true;
    quit();
    return;
  }
  if (ext_.size && ext_.size_limit && size > ext_.size_limit) {
    out.error = o_.label + " accepts at most " + std::to_string(ext_.size_limit) +
                " bytes; message is " + std::to_string(size) + " (5.3.4)";
    out.permanent_error = true;
    quit();
    return;
  }
  // With PIPELINING, MAIL, every RCPT and DATA go out in one write (RFC 2920).
  std::vector<std::string> cmds{mail_command(m, ext_, size)};
  for (auto& r : m.rcpts) cmds.push_back("RCPT TO:<" + r + ">");
  if (ext_.pipelining) {
    std::string batch;
    for (auto& c : cmds) batch += c + "\r\n";
    batch += "DATA\r\n";
    if (auto w = c_.write(batch, o_.timeouts.command); !w) {
      out.try_next = true, out.error = w.error().what;
      return;
    }
  }
  auto send = [&](const std::string& line, Millis t) -> Result<Reply> {
    if (ext_.pipelining) return read_reply(t);
    return command(line, t);
  };
  auto mail = send(cmds[0], o_.timeouts.command);
  if (!mail) {
    out.try_next = true, out.error = mail.error().what;
    return;
  }
  out.reply_summary = mail->text();
  if (!mail->positive() && !ext_.pipelining) {
    // Postfix and qmail alike: a refused sender is the answer for every recipient.
    fill_rcpts(out, m.rcpts.size(), mail->permanent() ? 'h' : 's', said(*mail));
    out.final_code = mail->permanent() ? 'D' : 'Z';
    out.final_text = said(*mail);
    quit();
    return;
  }
  size_t accepted = 0;
  bool refusal_quoted = false;
  out.rcpts.clear();
  for (size_t i = 0; i < m.rcpts.size(); ++i) {
    auto r = send(cmds[i + 1], o_.timeouts.command);
    if (!r) {
      out.try_next = true, out.error = r.error().what;
      return;
    }
    if (!mail->positive()) r = *mail;  // pipelined after a refused MAIL: the MAIL reply rules
    char code = r->positive() ? 'r' : r->permanent() ? 'h' : 's';
    accepted += code == 'r';
    // the log quotes the reply that refused a recipient, not the MAIL 250 before it
    if (code != 'r' && !refusal_quoted) out.reply_summary = r->text(), refusal_quoted = true;
    out.rcpts.push_back(RcptResult{code, said(*r)});
  }
  data_phase(m, out, accepted);
}

void Session::data_phase(const Message& m, Outcome& out, size_t accepted) {
  Result<Reply> d = ext_.pipelining ? read_reply(o_.timeouts.data_init)
                                    : (accepted ? command("DATA", o_.timeouts.data_init) : fail("no recipient"));
  bool any_temp = std::any_of(out.rcpts.begin(), out.rcpts.end(), [](auto& r) { return r.code == 's'; });
  if (accepted == 0) {
    if (d && d->code == 354) (void)c_.write(".\r\n", o_.timeouts.data_block), (void)read_reply(o_.timeouts.data_done);
    out.final_code = any_temp ? 'Z' : 'D';
    out.final_text = "no recipient was accepted";
    quit();
    return;
  }
  if (!d) {
    fill_rcpts(out, m.rcpts.size(), 's', d.error().what);
    out.final_code = 'Z', out.final_text = d.error().what;
    return;
  }
  if (d->code != 354) {
    out.reply_summary = d->text();
    for (auto& r : out.rcpts)
      if (r.code == 'r') r = RcptResult{d->permanent() ? 'h' : 's', said(*d)};
    out.final_code = d->permanent() ? 'D' : 'Z', out.final_text = said(*d);
    quit();
    return;
  }
  std::string payload = dot_stuff(m.data);
  if (auto w = c_.write(payload, o_.timeouts.data_block); !w) {
    for (auto& r : out.rcpts)
      if (r.code == 'r') r = RcptResult{'s', w.error().what};
    out.final_code = 'Z', out.final_text = w.error().what;
    return;
  }
  auto fin = read_reply(o_.timeouts.data_done);
  if (!fin) {
    // The message may have arrived: a retry risks a duplicate, which beats a loss.
    for (auto& r : out.rcpts)
      if (r.code == 'r') r = RcptResult{'s', fin.error().what + " after the message was sent"};
    out.final_code = 'Z', out.final_text = fin.error().what;
    return;
  }
  out.reply_summary = fin->text();
  char code = fin->positive() ? 'K' : fin->permanent() ? 'D' : 'Z';
  if (code != 'K')
    for (auto& r : out.rcpts)
      if (r.code == 'r') r = RcptResult{code == 'D' ? 'h' : 's', said(*fin)};
  out.final_code = code;
  out.final_text = said(*fin);
  if (code == 'K') reusable_ = true;
  else quit();
}


Outcome run_session(Connection& c, const Message& m, const SessionOptions& o) {
  Outcome out;
  Session s(c, o);
  if (!s.open(out)) return next(std::move(out), out.error);
  s.transaction(m, out);
  if (s.reusable()) s.quit();
  return out;
}

std::string to_crlf(std::string_view in) {
  std::string out;
  out.reserve(in.size() + in.size() / 32 + 2);
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '\r') {
      // CRLF stays; a lone CR becomes a line end of its own, so that what we send has the
      // same lines for every receiver (the spool has none: posta-queue refuses them)
      out += "\r\n";
      if (i + 1 < in.size() && in[i + 1] == '\n') ++i;
      continue;
    }
    if (in[i] == '\n') out.push_back('\r');
    out.push_back(in[i]);
  }
  if (out.size() < 2 || out.compare(out.size() - 2, 2, "\r\n") != 0) out += "\r\n";
  return out;
}

std::string dot_stuff(std::string_view crlf) {
  std::string out;
  out.reserve(crlf.size() + crlf.size() / 64 + 8);
  bool bol = true;
  for (size_t i = 0; i < crlf.size(); ++i) {
    if (bol && crlf[i] == '.') out.push_back('.');
    out.push_back(crlf[i]);
    bol = crlf[i] == '\n';
  }
  out += ".\r\n";
  return out;
}

bool has_8bit(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
}

}  // namespace posta::smtpc
