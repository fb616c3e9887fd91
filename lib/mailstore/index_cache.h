// The folder index cache: a snapshot of a MailboxIndex (UID -> file name, flags, sizes) in
// "posta-index.cache", so that opening a large unchanged folder skips readdir() of new/ and
// cur/ and the parsing of the uidlist. Only an accelerator: a missing, stale, truncated or
// corrupt cache is ignored and rebuilt by the next scan (INTERNALS.md "IMAP folder cache").
//
// Validity is a Stamp: mtimes of new/ and cur/ plus inode and size of posta-uidlist. A
// snapshot is only written when both directory mtimes were at least a second old when the
// scan began: directory mtimes have clock-tick granularity, so a change in the same tick as
// the scan could otherwise leave the mtime equal while the scan missed the entry.
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "mailstore/mailbox_index.h"

namespace posta::mailstore {

// The directory part of the stamp (before a scan) and the uidlist part (after it).
[[nodiscard]] Result<Stamp> dirs_stamp(const std::string& folder);
[[nodiscard]] Status add_uidlist_stamp(const std::string& folder, Stamp& st);
[[nodiscard]] Result<Stamp> current_stamp(const std::string& folder);
// true when both directories were last changed more than a second before `scan_start`.
bool settled(const Stamp& st, time_t scan_start);

struct IndexSnapshot {
  uint32_t uid_validity = 0, uid_next = 0;
  Stamp stamp;
  std::vector<MessageInfo> messages;
};

// nullopt when the cache is missing or damaged in any way.
std::optional<IndexSnapshot> load_index_cache(const std::string& folder);
// Written to a temporary name and renamed; not fsynced (a torn file fails its checksum).
[[nodiscard]] Status save_index_cache(const std::string& folder, uint32_t uid_validity,
                                      uint32_t uid_next, const Stamp& stamp,
                                      const std::vector<MessageInfo>& messages);

// A fast 64-bit checksum (FNV-1a over words) of the cache files.
uint64_t checksum(std::string_view data, uint64_t h = 0xcbf29ce484222325ull);

}  // namespace posta::mailstore
