// The messages a part of a search may match, as the index answers it: the UIDs of documents
// that may match (ascending), or nullopt for "any message" (a part the index cannot serve:
// NOT, a short needle, a key other than BODY/TEXT). Messages without a document are
// candidates in every case (FolderIndex::may_match), so AND and OR distribute over them.
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

namespace posta::fts {

using UidHits = std::optional<std::vector<uint32_t>>;

// a AND b: the intersection; what cannot be served restricts nothing.
UidHits both(UidHits a, UidHits b);
// a OR b: the union; any message when either cannot be served.
UidHits either(UidHits a, UidHits b);

}  // namespace posta::fts
