#include "imapd_fts.h"

#include <unistd.h>

#include <algorithm>

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

void fts_catch_up(const mailstore::MailboxIndex& ix, std::chrono::milliseconds budget, bool existing_only) {
  if (existing_only && ::access(fts::index_dir(ix.folder()).c_str(), F_OK) != 0) return;
  auto r = fts::catch_up(ix, budget);
  if (!r) return log::warning(r.error().what);
  if (r->rebuilt) log::info("full-text index of ", ix.folder(), " was unusable: rebuilding");
}

void Session::index_after_answer(const mailstore::MailboxIndex& ix, bool after_search) {
  (void)out_.flush();
  if (after_search) fts_catch_up(ix, kSearchCatchUp, false);
  else fts_catch_up(ix, kAppendCatchUp, true);
}

}  // namespace posta::imapd
