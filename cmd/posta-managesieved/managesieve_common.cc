// What both halves share: limits, reading a command with its error replies, capabilities.
#include <algorithm>
#include <cstdlib>

#include "auth/credentials.h"
#include "control/control.h"
#include "log/log.h"
#include "managesieve.h"
#include "sieve/sieve.h"

namespace posta::managesieved {

namespace {
std::string remote() {
  const char* ip = std::getenv("TCPREMOTEIP");
  return ip ? ip : "unknown";
}
}  // namespace

Limits limits() {
  Control c;
  return Limits{std::chrono::seconds(std::max(1LL, c.number("timeoutmanagesieved", 600))),
                std::chrono::seconds(std::max(1LL, c.number("timeoutwrite", 300))),
                std::chrono::seconds(std::max(0LL, c.number("sessionlimitmanagesieved", 3600)))};
}

bool plaintext_allowed(bool tls_active) {
  return tls_active || Control().flag("authplaintext", false);
}

Conn::Conn(const Limits& l, bool inherited, size_t max_literal)
    : reader_(in, imap::ReadLimits{kMaxLine, max_literal, max_literal, 4}, [] {}) {
  in.set_timeout(l.read);
  Deadline d = inherited ? Deadline::inherited(l.session) : Deadline::after(l.session);
  if (!inherited) d.export_env();
  in.set_deadline(d);
  out.set_limits(l.write, &in.deadline());
}

void Conn::set_max_literal(size_t n) { reader_.set_limits(imap::ReadLimits{kMaxLine, n, n, 4}); }

void Conn::say(std::string_view kind, std::string_view code, std::string_view text) {
  out.line(managesieve::response(kind, code, text));
}

std::optional<imap::RawCommand> Conn::read_raw() {
  for (;;) {
    if (in.buffered() == 0 && !in.deadline().passed() && !out.flush()) {
      log::info("disconnect ip=", remote(), ": ", out.error());
      return std::nullopt;
    }
    auto r = in.deadline().passed() ? imap::ReadResult{imap::ReadStatus::kTimeout, {}, {}} : reader_.read();
    switch (r.status) {
      case imap::ReadStatus::kOk:
        return std::move(r.cmd);
      case imap::ReadStatus::kEof:
      case imap::ReadStatus::kError:
        out.flush_final();  // the answers to pipelined commands before the end
        return std::nullopt;
      case imap::ReadStatus::kTimeout:
        if (in.deadline().passed()) {
          say("BYE", "", "session time limit reached");
          log::info("session time limit reached ip=", remote());
        } else {
          say("BYE", "", "idle for too long");
          log::info("autologout ip=", remote());
        }
        out.flush_final();
        return std::nullopt;
      case imap::ReadStatus::kLineTooLong:
        say("NO", "", "line too long");
        continue;
      case imap::ReadStatus::kNul:
        say("NO", "", "NUL byte in command");
        continue;
      case imap::ReadStatus::kLiteralTooBig:
      case imap::ReadStatus::kLiteralFatal:
        // No continuation in ManageSieve: the client sends the bytes anyway, so the
        // connection cannot go on.
        say("BYE", "QUOTA/MAXSIZE", "literal too big");
        log::info("literal too big ip=", remote());
        out.flush_final();
        return std::nullopt;
    }
  }
}

std::optional<managesieve::Command> Conn::next(imap::RawCommand* raw) {
  for (;;) {
    auto r = read_raw();
    if (!r) return std::nullopt;
    auto cmd = managesieve::parse_command(*r);
    if (raw) *raw = std::move(*r);
    if (cmd) return std::move(*cmd);
    say("NO", "", "syntax error: " + cmd.error().what);
  }
}

std::optional<std::string> Conn::sasl_response(bool* bad) {
  *bad = false;
  auto r = read_raw();
  if (!r) return std::nullopt;
  auto s = managesieve::parse_sasl_response(*r);
  wipe(*r);
  if (s) return std::move(*s);
  *bad = true;
  say("NO", "", "syntax error: " + s.error().what);
  return std::nullopt;
}

void wipe(imap::RawCommand& raw) {
  auth::wipe(raw.text);
  for (auto& l : raw.literals) auth::wipe(l);
}

managesieve::Capabilities base_capabilities() {
  managesieve::Capabilities c;
  c.sieve_extensions = sieve::supported_extensions();
  c.max_redirects = sieve::Limits::from_control(Control()).max_redirects;
  return c;
}

void send_capabilities(Conn& c, const managesieve::Capabilities& caps) {
  for (auto& l : managesieve::capability_lines(caps)) c.out.line(l);
  c.say("OK", "", "");
}

void noop(Conn& c, const managesieve::Command& cmd) {
  if (auto st = managesieve::expect_args(cmd, "s", 1); !st) return c.say("NO", "", st.error().what);
  if (cmd.args.empty()) return c.say("OK", "", "NOOP completed");
  c.say("OK", "TAG " + managesieve::quote(cmd.args[0].str), "Done");
}

}  // namespace posta::managesieved
