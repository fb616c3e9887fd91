// Legal hold (posta-mail(8) RETENTION): a user on hold (control/legalhold) still expunges,
// but each message goes to the held store first (lib/retention/hold.h); when that copy
// fails the message stays.
#include <dirent.h>

#include "imapd_session.h"
#include "log/log.h"
#include "retention/hold.h"
#include "retention/policy.h"

namespace posta::imapd {

bool Session::on_hold() {
  static const bool held = retention::on_hold(control_.lines("legalhold"), user_);  // one session a process
  return held;
}

// The hold of a shared folder's owner applies to what others expunge from it.
bool Session::on_hold(const std::string& who) {
  if (who.empty() || who == user_) return on_hold();
  return retention::on_hold(control_.lines("legalhold"), who);
}

bool Session::keep_if_held(const mailstore::MessageInfo& m) {
  const std::string& who = sel_->ref.shared() ? sel_->ref.owner : user_;
  if (!on_hold(who)) return true;
  if (auto s = retention::keep_copy(posta_home(), who, sel_->index->path(m)); !s) {
    log::warning("legal hold of ", who, ": message kept in place: ", s.error().what);
    return false;
  }
  return true;
}

// DELETE of a folder of a user on hold: every message of it (in cur/ and new/) is copied to
// the held store first; false (and the folder stays) when a copy fails.
bool Session::keep_folder_if_held(const MailboxRef& box) {
  const std::string& who = box.shared() ? box.owner : user_;
  const std::string& mailbox = box.name;
  if (!on_hold(who)) return true;
  std::string fdir = box.dir;
  for (auto sub : {"/cur", "/new"}) {
    DIR* d = ::opendir((fdir + sub).c_str());
    if (!d) continue;
    bool ok = true;
    while (auto* e = ::readdir(d)) {
      if (e->d_name[0] == '.') continue;
      if (auto s = retention::keep_copy(posta_home(), who, fdir + sub + "/" + e->d_name); !s) {
        log::warning("legal hold of ", who, ": folder ", mailbox, " kept: ", s.error().what);
        ok = false;
        break;
      }
    }
    ::closedir(d);
    if (!ok) return false;
  }
  return true;
}

}  // namespace posta::imapd
