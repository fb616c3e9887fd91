#include "fts/uid_hits.h"

#include <algorithm>
#include <iterator>

namespace posta::fts {

UidHits both(UidHits a, UidHits b) {
  if (!a) return b;
  if (!b) return a;
  std::vector<uint32_t> out;
  std::set_intersection(a->begin(), a->end(), b->begin(), b->end(), std::back_inserter(out));
  return out;
}

UidHits either(UidHits a, UidHits b) {
  if (!a || !b) return std::nullopt;
  std::vector<uint32_t> out;
  std::set_union(a->begin(), a->end(), b->begin(), b->end(), std::back_inserter(out));
  return out;
}

}  // namespace posta::fts
