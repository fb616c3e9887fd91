// After login, as the mail store owner: the script commands over lib/sieve/script_store,
// each script checked by the Sieve compiler before it is stored or activated.
#include <fcntl.h>
#include <sys/stat.h>

#include <cstdlib>

#include "base/hex.h"
#include "control/control.h"
#include "io/fd.h"
#include "log/log.h"
#include "managesieve.h"
#include "sieve/script_store.h"
#include "sieve/sieve.h"

namespace posta::managesieved {
namespace {

using managesieve::Command;

std::string env_or(const char* name, const char* def) {
  const char* v = std::getenv(name);
  return v && *v ? v : def;
}

// Literals up to this size are read, so that a script over the quota gets NO (QUOTA/MAXSIZE)
// and the session goes on; a larger literal ends the session.
size_t literal_cap(const sieve::StoreLimits& l) {
  constexpr size_t kSlack = 1 << 20;
  return l.max_size ? l.max_size + kSlack : 16u << 20;
}

struct Session {
  Conn& c;
  sieve::ScriptStore store;
  std::string user;

  // NO with the store's response code; true when st succeeded.
  bool answer(const Status& st, std::string_view what, std::string_view name);
  // The compiler's verdict; NO with "line L, column C: ..." when the script is refused.
  bool compiles(std::string_view text);
  void havespace(const Command& cmd);
  void putscript(const Command& cmd);
  void checkscript(const Command& cmd);
  void listscripts();
  void setactive(const Command& cmd);
  void getscript(const Command& cmd);
  void deletescript(const Command& cmd);
  void renamescript(const Command& cmd);
  // Dispatches one command; false after LOGOUT.
  bool dispatch(const Command& cmd);
  // UNAUTHENTICATE: the unread input goes back to the pre-auth half; the exit code.
  int unauthenticate();
};

bool Session::answer(const Status& st, std::string_view what, std::string_view name) {
  if (st) {
    log::info(what, " user=<", user, "> script=\"", log::printable(name, 200), "\"");
    return true;
  }
  auto code = managesieve::store_code(st.error());
  if (code == "TRYLATER") log::error(what, " user=<", user, ">: ", st.error().what);
  c.say("NO", code, st.error().what);
  return false;
}

bool Session::compiles(std::string_view text) {
  auto script = sieve::compile(text);
  if (script) return true;
  c.say("NO", "", script.error().what);
  return false;
}

void Session::havespace(const Command& cmd) {
  if (auto st = managesieve::expect_args(cmd, "sn"); !st) return c.say("NO", "", st.error().what);
  auto st = store.check_space(cmd.args[0].str, cmd.args[1].number);
  if (!st) return c.say("NO", managesieve::store_code(st.error()), st.error().what);
  c.say("OK", "", "");
}

void Session::putscript(const Command& cmd) {
  if (auto st = managesieve::expect_args(cmd, "ss"); !st) return c.say("NO", "", st.error().what);
  const std::string& name = cmd.args[0].str;
  const std::string& text = cmd.args[1].str;
  // The quota first: an oversized script is refused as such, not compiled.
  if (auto st = store.check_space(name, text.size()); !st) return (void)answer(st, "putscript", name);
  if (!compiles(text)) return;
  if (answer(store.put(name, text), "putscript", name)) c.say("OK", "", "");
}

void Session::checkscript(const Command& cmd) {
  if (auto st = managesieve::expect_args(cmd, "s"); !st) return c.say("NO", "", st.error().what);
  if (compiles(cmd.args[0].str)) c.say("OK", "", "");
}

void Session::listscripts() {
  auto scripts = store.list();
  if (!scripts) return (void)answer(Status(std::unexpected(scripts.error())), "listscripts", "");
  for (auto& s : *scripts) c.out.line(managesieve::quote(s.name) + (s.active ? " ACTIVE" : ""));
  c.say("OK", "", "");
}

void Session::setactive(const Command& cmd) {
  if (auto st = managesieve::expect_args(cmd, "s"); !st) return c.say("NO", "", st.error().what);
  const std::string& name = cmd.args[0].str;
  if (name.empty()) {
    if (answer(store.deactivate(), "deactivate", name)) c.say("OK", "", "");
    return;
  }
  // A script stored by an older posta, or by hand, is checked before it runs on mail.
  auto text = store.get(name);
  if (!text) return (void)answer(Status(std::unexpected(text.error())), "setactive", name);
  if (!compiles(*text)) return;
  if (answer(store.activate(name), "setactive", name)) c.say("OK", "", "");
}

void Session::getscript(const Command& cmd) {
  if (auto st = managesieve::expect_args(cmd, "s"); !st) return c.say("NO", "", st.error().what);
  auto text = store.get(cmd.args[0].str);
  if (!text) return (void)answer(Status(std::unexpected(text.error())), "getscript", cmd.args[0].str);
  c.out.put(imap::literal(*text));
  c.out.line("");
  c.say("OK", "", "");
}

void Session::deletescript(const Command& cmd) {
  if (auto st = managesieve::expect_args(cmd, "s"); !st) return c.say("NO", "", st.error().what);
  if (answer(store.remove(cmd.args[0].str), "deletescript", cmd.args[0].str)) c.say("OK", "", "");
}

void Session::renamescript(const Command& cmd) {
  if (auto st = managesieve::expect_args(cmd, "ss"); !st) return c.say("NO", "", st.error().what);
  auto st = store.rename(cmd.args[0].str, cmd.args[1].str);
  if (answer(st, "renamescript", cmd.args[0].str + "\" to \"" + cmd.args[1].str)) c.say("OK", "", "");
}

int Session::unauthenticate() {
  std::string rest = c.in.take_buffered();
  if (rest.size() > kMaxGiveBack || ::fcntl(kGiveBackFd, F_GETFD) < 0) {
    c.say("BYE", "", "too much pipelined input to go back to the unauthenticated state");
    c.out.flush_final();
    return kSessionDone;
  }
  c.say("OK", "", "");
  c.out.flush_final();
  if (auto st = write_all(kGiveBackFd, rest); !st) return kSessionDone;
  log::info("unauthenticate user=<", user, ">");
  return kUnauthenticated;
}

bool Session::dispatch(const Command& cmd) {
  const std::string& n = cmd.name;
  if (n == "PUTSCRIPT") putscript(cmd);
  else if (n == "LISTSCRIPTS") listscripts();
  else if (n == "GETSCRIPT") getscript(cmd);
  else if (n == "SETACTIVE") setactive(cmd);
  else if (n == "DELETESCRIPT") deletescript(cmd);
  else if (n == "RENAMESCRIPT") renamescript(cmd);
  else if (n == "CHECKSCRIPT") checkscript(cmd);
  else if (n == "HAVESPACE") havespace(cmd);
  else if (n == "NOOP") noop(c, cmd);
  else if (n == "CAPABILITY") {
    auto caps = base_capabilities();
    caps.authenticated = true;
    send_capabilities(c, caps);
  } else if (n == "LOGOUT") {
    c.say("OK", "", "Logout completed");
    c.out.flush_final();
    return false;
  } else if (n == "AUTHENTICATE" || n == "STARTTLS") {
    c.say("NO", "", "already authenticated");
  } else {
    c.say("NO", "", "unknown command");
  }
  return true;
}

}  // namespace

int run_postauth() {
  std::string user = env_or("USER", "");
  std::string maildir = env_or("MAILDIR", env_or("HOME", "").c_str());
  while (maildir.size() > 1 && maildir.back() == '/') maildir.pop_back();
  std::string pending = hex_decode(env_or(std::string(kPendingEnv).c_str(), "")).value_or("");
  ::unsetenv(std::string(kPendingEnv).c_str());
  auto store_limits = sieve::StoreLimits::from_control(Control());
  Conn c(limits(), true, literal_cap(store_limits));
  struct stat st;
  if (maildir.empty() || ::stat(maildir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    log::error("user=<", user, "> unable to open maildir ", maildir);
    c.say("NO", "TRYLATER", "unable to open your mailbox");
    c.out.flush_final();
    return kSessionError;
  }
  c.in.prepend(pending);
  Session s{c, sieve::ScriptStore(maildir, store_limits), user};
  log::info("login user=<", user, "> tls=", env_or(std::string(kTlsEnv).c_str(), "0"));
  c.say("OK", "", "Logged in");
  for (;;) {
    auto cmd = c.next();
    if (!cmd) return kSessionDone;
    if (cmd->name == "UNAUTHENTICATE") {
      if (auto st = managesieve::expect_args(*cmd, ""); !st) {
        c.say("NO", "", st.error().what);
        continue;
      }
      return s.unauthenticate();
    }
    if (!s.dispatch(*cmd)) return kSessionDone;
  }
}

}  // namespace posta::managesieved
