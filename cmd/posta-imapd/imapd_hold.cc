// Legal hold (posta-mail(8) RETENTION): a user on hold (control/legalhold) still expunges,
// but each message goes to the held store first (lib/retention/hold.h); when that copy
// fails the message stays.
#include "imapd_session.h"
#include "log/log.h"
#include "retention/hold.h"
#include "retention/policy.h"

namespace posta::imapd {

bool Session::keep_if_held(const mailstore::MessageInfo& m) {
  static const bool held = retention::on_hold(control_.lines("legalhold"), user_);  // one session a process
  if (!held) return true;
  if (auto s = retention::keep_copy(posta_home(), user_, sel_->index->path(m)); !s) {
    log::warning("legal hold of ", user_, ": message kept in place: ", s.error().what);
    return false;
  }
  return true;
}

}  // namespace posta::imapd
