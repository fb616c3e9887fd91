#include "imapd_fts.h"

#include <algorithm>

#include "control/control.h"
#include "fts/changed_folders.h"
#include "imapd_session.h"
#include "log/log.h"

namespace posta::imapd {

using K = imap::SearchKey::Kind;

bool has_text_key(const imap::SearchKey& k) {
  return k.kind == K::kBody || k.kind == K::kText ||
         std::any_of(k.sub.begin(), k.sub.end(), [](const auto& s) { return has_text_key(s); });
}

fts::UidHits fts_hits(const imap::SearchKey& k, fts::FolderIndex& index) {
  switch (k.kind) {
    case K::kBody: return index.find(k.str, fts::Field::kBody);
    case K::kText: return index.find(k.str, fts::Field::kText);
    case K::kAnd: {
      fts::UidHits h;
      for (const auto& s : k.sub) h = fts::both(std::move(h), fts_hits(s, index));
      return h;
    }
    case K::kOr: return fts::either(fts_hits(k.sub[0], index), fts_hits(k.sub[1], index));
    default: return std::nullopt;
  }
}

void fts_catch_up(const mailstore::MailboxIndex& ix, std::chrono::milliseconds budget) {
  auto r = fts::catch_up(ix, budget);
  if (!r) return log::warning(r.error().what);
  if (r->rebuilt) log::info("full-text index of ", ix.folder(), " was unusable: rebuilding");
}

void Session::catch_up_after_answer(const mailstore::MailboxIndex& ix) {
  (void)out_.flush();
  fts_catch_up(ix, kSearchCatchUp);
}

void note_changed(const mailstore::MailboxIndex& ix) {
  if (auto s = fts::mark_changed(posta_home(), ix.folder()); !s) log::warning(s.error().what);
}

}  // namespace posta::imapd
