// The audit of master-user sessions (issue 24): every command of a session opened by a
// master user (POSTA_MASTER_USER, set by posta-auth) that reads or changes mail is one
// record in the audit log (lib/audit): the mailbox, the UIDs it touched, the operation, its
// result. Called once per command from handle(), after the command ran and before sync()
// tells the client what changed, so that sel_->uids is still the view the command's
// sequence numbers referred to.
#include <cstdlib>
#include <ctime>

#include "audit/audit_log.h"
#include "base/strings.h"
#include "control/control.h"
#include "imapd_session.h"
#include "log/log.h"

namespace posta::imapd {
namespace {

// The operations that read or change mail, with where their arguments are.
enum class Args { kMailbox, kSet, kSetMailbox, kNone, kCriteria };

std::optional<Args> audited(const std::string& op) {
  static const std::pair<const char*, Args> kOps[] = {
      {"SELECT", Args::kMailbox}, {"EXAMINE", Args::kMailbox}, {"STATUS", Args::kMailbox},
      {"APPEND", Args::kMailbox}, {"CREATE", Args::kMailbox},  {"DELETE", Args::kMailbox},
      {"RENAME", Args::kMailbox}, {"FETCH", Args::kSet},       {"STORE", Args::kSet},
      {"COPY", Args::kSetMailbox}, {"MOVE", Args::kSetMailbox}, {"EXPUNGE", Args::kNone},
      {"CLOSE", Args::kNone},     {"SEARCH", Args::kCriteria},
  };
  for (const auto& [name, args] : kOps)
    if (op == name) return args;
  return std::nullopt;
}

}  // namespace

void Session::audit_command(const std::string& cmd, const imap::RawCommand& raw) {
  static const char* master = std::getenv("POSTA_MASTER_USER");
  if (!master || !*master || !authenticated_) return;
  Parser p(raw);
  (void)p.tag();
  (void)p.sp();
  (void)p.atom();
  bool uid = cmd == "UID";
  std::string op = cmd;
  if (uid) {
    auto sub = p.sp() ? p.atom() : std::nullopt;
    op = sub ? posta::upper(*sub) : "";
  }
  auto args = audited(op);
  if (!args) return;
  audit::Record r;
  r.time = static_cast<int64_t>(::time(nullptr));
  r.who = "master=" + std::string(master) + " login=" + login_ + " ip=" + remote_;
  r.program = "posta-imapd";
  r.action = uid ? "UID " + op : op;
  r.user = user_;
  r.folder = sel_ ? sel_->name : "";
  std::vector<uint32_t> uids;
  if (*args == Args::kMailbox) {
    auto name = p.sp() ? p.astring() : std::nullopt;
    if (name) r.folder = *name;
  } else if (*args == Args::kSet || *args == Args::kSetMailbox) {
    auto set = p.sp() ? p.sequence_set() : std::nullopt;
    if (set && sel_) {
      uint32_t last = sel_->uids.empty() ? 0 : sel_->uids.back();
      for (size_t i = 0; i < sel_->uids.size(); ++i)
        if (uid ? set->contains(sel_->uids[i], last) : set->contains(static_cast<uint32_t>(i + 1), static_cast<uint32_t>(sel_->uids.size())))
          uids.push_back(sel_->uids[i]);
    }
    if (*args == Args::kSetMailbox && p.sp())
      if (auto to = p.astring()) r.detail = "to " + *to + "; ";
  } else if (*args == Args::kNone && op == "EXPUNGE" && sel_) {
    for (uint32_t u : sel_->uids)  // the session's view minus what the index still has
      if (!sel_->index->find(u)) uids.push_back(u);
  } else if (*args == Args::kCriteria) {
    r.detail = std::string(trim_view(p.rest()).substr(0, 200)) + "; ";
  }
  r.uids = audit::uid_set(std::move(uids));
  auto result = tagged_.find(' ');
  r.detail += result == std::string::npos ? "" : tagged_.substr(result + 1, tagged_.find(' ', result + 1) - result - 1);
  if (auto s = audit::append(posta_home(), {r}); !s) log::warning("audit log not written: ", s.error().what);
}

}  // namespace posta::imapd
