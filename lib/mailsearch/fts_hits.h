// What the full-text index (lib/fts) says a Query may match in one folder: the body: and
// text: terms asked of the index, combined through and/or; everything else (not, other
// fields, needles without a trigram) restricts nothing. Messages outside the hits are
// skipped; the rest are still matched by matches(), so the answer is the scan's.
#pragma once
#include "fts/folder_index.h"
#include "mailsearch/query.h"

namespace posta::mailsearch {

// true when q has a body: or text: term (the only ones the index can serve).
bool has_full_text_term(const Query& q);
fts::UidHits fts_hits(const Query& q, fts::FolderIndex& index);

}  // namespace posta::mailsearch
