// The TRANSACTION and UPDATE states, run as the mail store owner in the user's Maildir.
#include <sys/file.h>
#include <unistd.h>

#include <cctype>
#include <charconv>
#include <cstdlib>

#include "base/hex.h"
#include "base/strings.h"
#include "control/control.h"
#include "io/fd.h"
#include "log/log.h"
#include "pop3.h"
#include "pop3_mailbox.h"
#include "retention/policy.h"

namespace posta::pop3 {
namespace {

std::string env_or(const char* name, const char* def) {
  const char* v = std::getenv(name);
  return v && *v ? v : def;
}

// A message number argument; 0 when malformed.
long parse_number(std::string_view s) {
  long n = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || p != s.data() + s.size() || n < 0) return 0;
  return n;
}

struct Session {
  Maildrop& drop;
  LineReader& in;
  Output out;
  std::string user;
  size_t retrieved = 0, deleted = 0;

  Entry* message(const std::string& arg, bool allow_deleted = false);
  void stat();
  void list(const std::string& arg, bool uidl);
  void retr(const std::string& arg, bool top);
  void dele(const std::string& arg);
  void rset();
  int quit();
};

Entry* Session::message(const std::string& arg, bool allow_deleted) {
  Entry* e = drop.at(parse_number(arg.substr(0, arg.find(' '))));
  if (!e) {
    out.line("-ERR no such message");
    return nullptr;
  }
  if (e->deleted && !allow_deleted) {
    out.line("-ERR message already deleted");
    return nullptr;
  }
  return e;
}

void Session::stat() {
  size_t n = 0;
  uint64_t octets = 0;
  for (auto& e : drop.entries())
    if (!e.deleted) ++n, octets += e.octets;
  out.line("+OK " + std::to_string(n) + " " + std::to_string(octets));
}

void Session::list(const std::string& arg, bool uidl) {
  auto value = [&](const Entry& e) {
    return uidl ? mailstore::uidl(drop.index(), e.info) : std::to_string(e.octets);
  };
  if (!arg.empty()) {
    if (Entry* e = message(arg)) out.line("+OK " + arg.substr(0, arg.find(' ')) + " " + value(*e));
    return;
  }
  out.line(uidl ? "+OK unique-id listing follows" : "+OK scan listing follows");
  for (size_t i = 0; i < drop.count(); ++i) {
    const Entry& e = drop.entries()[i];
    if (!e.deleted) out.line(std::to_string(i + 1) + " " + value(e));
  }
  out.line(".");
}

void Session::retr(const std::string& arg, bool top) {
  long lines = -1;
  if (top) {
    auto sp = arg.find(' ');
    if (sp == std::string::npos || arg.substr(sp + 1).empty() ||
        (parse_number(arg.substr(sp + 1)) == 0 && arg.substr(sp + 1) != "0")) {
      out.line("-ERR usage: TOP msg n");
      return;
    }
    lines = parse_number(arg.substr(sp + 1));
  }
  Entry* e = message(arg);
  if (!e) return;
  std::string& buf = out.buffer();
  size_t start = buf.size();
  buf.append(top ? "+OK top of message follows\r\n" : "+OK " + std::to_string(e->octets) + " octets\r\n");
  if (!drop.render(*e, lines, buf)) {
    buf.resize(start);
    out.line("-ERR message is no longer available");
    return;
  }
  out.flush_if_full();
  if (!top) {
    e->retrieved = true;
    ++retrieved;
  }
}

void Session::dele(const std::string& arg) {
  if (Entry* e = message(arg)) {
    e->deleted = true;
    ++deleted;
    out.line("+OK message deleted");
  }
}

void Session::rset() {
  for (auto& e : drop.entries()) e.deleted = false;
  deleted = 0;
  out.line("+OK maildrop restored");
}

int Session::quit() {
  bool held = deleted && retention::on_hold(Control().lines("legalhold"), user);
  size_t failed = drop.commit_deletions(held ? user : "");
  drop.move_retrieved();
  log::info("logout user=<", user, "> retrieved=", retrieved, " deleted=", deleted - failed,
            failed ? " failed=" + std::to_string(failed) : "");
  out.line(failed ? "-ERR some deleted messages not removed" : "+OK posta POP3 server signing off");
  out.flush();
  return kSessionDone;
}

int transaction(Session& s) {
  for (;;) {
    Line l = next_command(s.in, s.out);
    if (s.out.failed()) return kSessionDone;  // the client stopped reading (logged)
    if (l.status == Line::Status::kTimeout) {
      say_timeout(s.in, s.out);
      return kSessionDone;  // no UPDATE state: nothing deleted
    }
    if (l.status == Line::Status::kTooLong) {
      s.out.line("-ERR line too long");
      continue;
    }
    if (l.status != Line::Status::kOk) return kSessionDone;
    auto sp = l.text.find(' ');
    std::string verb = upper(l.text.substr(0, sp));
    std::string arg = sp == std::string::npos ? "" : l.text.substr(sp + 1);
    if (verb == "STAT") s.stat();
    else if (verb == "LIST") s.list(arg, false);
    else if (verb == "UIDL") s.list(arg, true);
    else if (verb == "RETR") s.retr(arg, false);
    else if (verb == "TOP") s.retr(arg, true);
    else if (verb == "DELE") s.dele(arg);
    else if (verb == "RSET") s.rset();
    else if (verb == "NOOP") s.out.line("+OK");
    else if (verb == "QUIT") return s.quit();
    else if (verb == "CAPA") {
      s.out.line("+OK Capability list follows");
      for (auto c : {"TOP", "UIDL", "RESP-CODES", "PIPELINING", "IMPLEMENTATION posta", "."}) s.out.line(c);
    } else if (verb == "USER" || verb == "PASS" || verb == "AUTH" || verb == "STLS" || verb == "APOP")
      s.out.line("-ERR already authenticated");
    else s.out.line("-ERR unknown command");
    if (s.out.failed()) return kSessionDone;
  }
}

}  // namespace

int run_postauth() {
  Output out;
  LineReader in(0, kMaxLine, std::chrono::minutes(10));
  apply_limits(limits(), true, in, out);
  std::string user = env_or("USER", "");
  std::string maildir = env_or("MAILDIR", env_or("HOME", "").c_str());
  std::string pending = hex_decode(env_or(std::string(kPendingEnv).c_str(), "")).value_or("");
  ::unsetenv(std::string(kPendingEnv).c_str());
  if (maildir.empty() || ::chdir(maildir.c_str()) != 0) {
    log::error("user=<", user, "> unable to open maildir ", maildir);
    out.line("-ERR [SYS/TEMP] unable to open mailbox");
    out.flush();
    return kSessionError;
  }
  // One session per maildrop; flock dies with the process, so a killed session never
  // leaves a stale lock behind.
  auto lock = open_fd(maildir + "/posta-pop3.lock", O_RDWR | O_CREAT, 0600);
  if (!lock || ::flock(lock->get(), LOCK_EX | LOCK_NB) != 0) {
    log::info("login user=<", user, "> refused: mailbox in use");
    out.line("-ERR [IN-USE] mailbox is locked by another POP3 session");
    out.flush();
    return kMailboxInUse;
  }
  auto drop = Maildrop::open(maildir);
  if (!drop) {
    log::error("user=<", user, "> unable to read maildir: ", drop.error().what);
    out.line("-ERR [SYS/TEMP] unable to read mailbox");
    out.flush();
    return kSessionError;
  }
  in.prepend(pending);
  Session s{*drop, in, std::move(out), user};
  log::info("login user=<", user, "> messages=", drop->count(),
            " tls=", env_or(std::string(kTlsEnv).c_str(), "0"));
  s.out.line("+OK logged in, " + std::to_string(drop->count()) + " messages");
  int rc = transaction(s);
  drop->move_retrieved();  // after a QUIT already done; else the connection was dropped
  return rc;
}

}  // namespace posta::pop3
