// The sort cache of a folder, "posta-sort.cache": per message (by UID) the sent date and the
// base subject that SORT and THREAD compare (RFC 5256), which otherwise cost a header cache
// lookup and a parse per message in every new session. Only an accelerator (INTERNALS.md
// "IMAP folder cache"): missing, of another UIDVALIDITY or damaged, it is ignored; messages
// it lacks are computed and the file replaced when enough were.
//
// Layout (native byte order): "PSRT0001", UIDVALIDITY (u32), record count (u32), records of
// 24 bytes (UID u32 ascending, subject offset u32, subject length u32, reply-or-forward u8,
// 3 bytes zero, sent date i64), the subjects, a checksum of everything before it (u64).
#pragma once
#include <cstdint>
#include <ctime>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "base/error.h"

namespace posta::mailstore {

struct MappedFile;

struct SortCacheEntry {
  uint32_t uid = 0;
  bool reply_or_fwd = false;
  time_t sent = 0;
  std::string_view subject;  // as compared (casemapped), at most 256 bytes
};

class SortCache {
 public:
  // Empty when the file is missing, damaged or of another UIDVALIDITY.
  static SortCache load(const std::string& folder, uint32_t uid_validity);
  // The entry of uid, or false (views valid as long as this object).
  bool find(uint32_t uid, SortCacheEntry& out) const;
  size_t size() const { return count_; }
  // Replaces the file (replace_cache_file(), index_cache.h); entries in ascending UID.
  [[nodiscard]] static Status save(const std::string& folder, uint32_t uid_validity,
                                   std::span<const SortCacheEntry> entries);

 private:
  std::shared_ptr<const MappedFile> file_;
  std::string_view records_, subjects_;
  size_t count_ = 0;
};

}  // namespace posta::mailstore
