#include "mailsearch/fts_hits.h"

#include <algorithm>

namespace posta::mailsearch {

using Kind = Query::Kind;

bool has_full_text_term(const Query& q) {
  return q.kind == Kind::kBody || q.kind == Kind::kText ||
         std::any_of(q.sub.begin(), q.sub.end(), [](const Query& s) { return has_full_text_term(s); });
}

fts::UidHits fts_hits(const Query& q, fts::FolderIndex& index) {
  switch (q.kind) {
    case Kind::kBody: return index.find(q.text, fts::Field::kBody);
    case Kind::kText: return index.find(q.text, fts::Field::kText);
    case Kind::kAnd: {
      fts::UidHits h;
      for (const auto& s : q.sub) h = fts::both(std::move(h), fts_hits(s, index));
      return h;
    }
    case Kind::kOr: {
      fts::UidHits h = fts_hits(q.sub[0], index);
      for (size_t i = 1; i < q.sub.size() && h; ++i) h = fts::either(std::move(h), fts_hits(q.sub[i], index));
      return h;
    }
    default: return std::nullopt;
  }
}

}  // namespace posta::mailsearch
