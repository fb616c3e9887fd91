#include "imapd_session.h"

#include <unistd.h>

#include <cstdlib>

#include "log/log.h"
#include "tls/tls_control.h"

namespace posta::imapd {

using namespace std::chrono_literals;

const mime::Part& Loaded::part() {
  if (!root) root = mime::parse(data);
  return *root;
}

Session::Session(Config cfg, bool post_auth)
    : cfg_(cfg),
      in_(0, 65536, std::chrono::seconds(post_auth ? cfg.idle_timeout : cfg.preauth_timeout)),
      out_(1),
      reader_(in_, imap::ReadLimits{65536, cfg.max_message, cfg.max_message, 1000}, [this] {
        out_.line("+ OK");
        (void)out_.flush();
      }) {
  post_auth_ = post_auth;
  // The limit counts from the connection: the post-auth process inherits the pre-auth one's.
  auto limit = std::chrono::seconds(cfg.session_limit);
  in_.set_deadline(post_auth ? Deadline::inherited(limit) : Deadline::after(limit));
  if (!post_auth) in_.deadline().export_env();
  out_.set_limits(std::chrono::seconds(cfg.write_timeout), &in_.deadline());
  tls_ctl_ = StartTls::from_env();
  tls_ = tls_from_env().has_value() || std::getenv("POSTA_IMAP_TLS") != nullptr;
  const char* ip = std::getenv("TCPREMOTEIP");
  remote_ = ip ? ip : "";
  if (!post_auth) {
    // Literals before login are small: nobody APPENDs before authenticating.
    reader_.set_limits(imap::ReadLimits{8192, 8192, 16384, 4});
  }
}

std::string Session::capabilities() const {
  std::string c = "IMAP4rev1 IMAP4rev2 LITERAL+ SASL-IR ID ENABLE IDLE";
  if (!authenticated_) {
    if (tls_ctl_ && !tls_) c += " STARTTLS";
    if (tls_ || cfg_.plaintext_ok) c += " AUTH=PLAIN";
    else c += " LOGINDISABLED";
    return c;
  }
  return c + " NAMESPACE UNSELECT UIDPLUS MOVE CHILDREN SPECIAL-USE LIST-EXTENDED QUOTA QUOTA=RES-STORAGE "
             "QUOTA=RES-MESSAGE MULTIAPPEND CONDSTORE QRESYNC ESEARCH SEARCHRES LIST-STATUS STATUS=SIZE CREATE-SPECIAL-USE UTF8=ACCEPT BINARY "
             "SORT SORT=DISPLAY ESORT THREAD=ORDEREDSUBJECT THREAD=REFERENCES COMPRESS=DEFLATE ACL RIGHTS=texk";
}

void Session::greet() { out_.line("* OK [CAPABILITY " + capabilities() + "] posta IMAP4rev1 ready"); }

int Session::run() {
  if (post_auth_) {
    if (!start_post_auth()) {
      out_.flush_final();  // the NO or BYE that says why
      return 111;
    }
  } else {
    greet();
  }
  if (!resume_tag_.empty()) {
    tagged_.clear();
    cmd_idle(resume_tag_, true);
    if (!tagged_.empty()) out_.line(tagged_);
  }
  while (!logout_) {
    if (!out_.flush()) {
      log::info("disconnect ip=", remote_, " user=", user_, ": ", out_.error());
      return 0;
    }
    if (in_.deadline().passed()) {
      session_expired();
      break;
    }
    auto r = reader_.read();
    if (!handle(r)) break;
  }
  if (hibernated_) return 0;  // the connection lives on in posta-imap-hibernate
  out_.flush_final();
  if (out_.failed()) log::info("disconnect ip=", remote_, " user=", user_, ": ", out_.error());
  if (authenticated_) log::info("logout user=", user_, " ip=", remote_);
  return 0;
}

void Session::session_expired() {
  out_.line("* BYE Session time limit reached");
  log::info("session time limit reached ip=", remote_, " user=", user_);
}

bool Session::handle(const imap::ReadResult& r) {
  using S = imap::ReadStatus;
  switch (r.status) {
    case S::kOk: break;
    case S::kEof: return false;
    case S::kError: return false;
    case S::kTimeout:
      if (in_.deadline().passed()) session_expired();
      else out_.line("* BYE Autologout; idle for too long");
      return false;
    case S::kLineTooLong: out_.line(r.tag + " BAD Command line too long"); return true;
    case S::kNul: out_.line(r.tag + " BAD NUL byte in command"); return true;
    case S::kLiteralTooBig: out_.line(r.tag + " NO [TOOBIG] Literal too large"); return true;
    case S::kLiteralFatal:
      out_.line("* BYE [TOOBIG] Literal too large");
      return false;
  }
  Parser p(r.cmd);
  auto tag = p.tag();
  if (!tag || !p.sp()) {
    out_.line("* BAD Missing tag or command");
    return true;
  }
  auto name = p.atom();
  if (!name) {
    out_.line(*tag + " BAD Missing command");
    return true;
  }
  tagged_.clear();
  std::string cmd = posta::upper(*name);
  bool keep = command(*tag, cmd, p);
  audit_command(cmd, r.cmd);
  if (!tagged_.empty()) {
    bool seq_cmd = cmd == "FETCH" || cmd == "STORE" || cmd == "SEARCH" || cmd == "SORT" || cmd == "THREAD";
    // LOGOUT answers with BYE and its OK only (RFC 3501 6.1.3): no updates after the BYE.
    if (sel_ && cmd != "IDLE" && !logout_) sync(!seq_cmd);
    out_.line(tagged_);
  }
  return keep && !out_.failed();
}

bool Session::command(const std::string& tag, const std::string& cmd, Parser& p) {
  auto done = [&]() {
    if (!p.at_end()) bad(tag, "Unexpected arguments");
    return true;
  };
  if (cmd == "CAPABILITY") {
    if (!p.at_end()) return done();
    out_.line("* CAPABILITY " + capabilities());
    ok(tag, "Capability completed");
    return true;
  }
  if (cmd == "NOOP" || (cmd == "CHECK" && sel_)) {
    if (sel_) sel_->dirty = true;
    ok(tag, cmd + " completed");
    return done();
  }
  if (cmd == "LOGOUT") {
    out_.line("* BYE Logging out");
    ok(tag, "Logout completed");
    logout_ = true;
    return true;
  }
  if (cmd == "ID") { cmd_id(tag, p); return true; }
  if (!authenticated_) {
    if (cmd == "STARTTLS") cmd_starttls(tag, p);
    else if (cmd == "LOGIN") cmd_login(tag, p);
    else if (cmd == "AUTHENTICATE") cmd_authenticate(tag, p);
    else bad(tag, "Command unknown or not allowed before login");
    return !logout_;
  }
  if (cmd == "STARTTLS" || cmd == "LOGIN" || cmd == "AUTHENTICATE") {
    bad(tag, "Already authenticated");
    return true;
  }
  if (cmd == "SELECT" || cmd == "EXAMINE") cmd_select(tag, p, cmd == "EXAMINE");
  else if (cmd == "LIST") cmd_list(tag, p, false);
  else if (cmd == "LSUB") cmd_list(tag, p, true);
  else if (cmd == "CREATE") cmd_create(tag, p);
  else if (cmd == "DELETE") cmd_delete(tag, p);
  else if (cmd == "RENAME") cmd_rename(tag, p);
  else if (cmd == "SUBSCRIBE") cmd_subscribe(tag, p, true);
  else if (cmd == "UNSUBSCRIBE") cmd_subscribe(tag, p, false);
  else if (cmd == "STATUS") cmd_status(tag, p);
  else if (cmd == "APPEND") cmd_append(tag, p);
  else if (cmd == "NAMESPACE") cmd_namespace(tag);
  else if (cmd == "GETQUOTA" || cmd == "GETQUOTAROOT" || cmd == "SETQUOTA") cmd_quota(tag, p, cmd);
  else if (cmd == "ENABLE") cmd_enable(tag, p);
  else if (cmd == "SETACL" || cmd == "DELETEACL") cmd_setacl(tag, p, cmd == "DELETEACL");
  else if (cmd == "GETACL") cmd_getacl(tag, p);
  else if (cmd == "LISTRIGHTS") cmd_listrights(tag, p);
  else if (cmd == "MYRIGHTS") cmd_myrights(tag, p);
  else if (cmd == "COMPRESS") cmd_compress(tag, p);
  else if (cmd == "IDLE") cmd_idle(tag);
  else if (!sel_) bad(tag, "Command unknown or needs a selected mailbox");
  else if (cmd == "CLOSE" || cmd == "UNSELECT") {
    close_mailbox(cmd == "CLOSE");
    ok(tag, cmd + " completed");
    return done();
  } else if (cmd == "EXPUNGE") cmd_expunge(tag, p, false);
  else if (cmd == "SEARCH") cmd_search(tag, p, false);
  else if (cmd == "SORT") cmd_sort(tag, p, false);
  else if (cmd == "THREAD") cmd_thread(tag, p, false);
  else if (cmd == "FETCH") cmd_fetch(tag, p, false);
  else if (cmd == "STORE") cmd_store(tag, p, false);
  else if (cmd == "COPY") cmd_copy(tag, p, false, false);
  else if (cmd == "MOVE") cmd_copy(tag, p, false, true);
  else if (cmd == "UID") {
    if (!p.sp()) { bad(tag, "UID needs a command"); return true; }
    auto sub = p.atom();
    std::string u = sub ? posta::upper(*sub) : "";
    if (u == "FETCH") cmd_fetch(tag, p, true);
    else if (u == "STORE") cmd_store(tag, p, true);
    else if (u == "SEARCH") cmd_search(tag, p, true);
    else if (u == "SORT") cmd_sort(tag, p, true);
    else if (u == "THREAD") cmd_thread(tag, p, true);
    else if (u == "COPY") cmd_copy(tag, p, true, false);
    else if (u == "MOVE") cmd_copy(tag, p, true, true);
    else if (u == "EXPUNGE") cmd_expunge(tag, p, true);
    else bad(tag, "Unknown UID command");
  } else bad(tag, "Command unknown");
  return true;
}

std::string imap_date(time_t t) {
  struct tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  strftime(buf, sizeof buf, "%d-%b-%Y %H:%M:%S +0000", &tm);
  return buf;
}

}  // namespace posta::imapd
