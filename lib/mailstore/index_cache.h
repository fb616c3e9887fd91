// The folder index cache: a snapshot of a MailboxIndex (UID -> file name, flags, sizes) in
// "posta-index.cache", so that opening a large unchanged folder skips readdir() of new/ and
// cur/ and the parsing of the uidlist: the file is mapped and its records used in place.
// Only an accelerator: a missing, stale, truncated or corrupt cache is ignored and rebuilt by
// the next scan (INTERNALS.md "IMAP folder cache").
//
// Validity is a Stamp: mtimes of new/ and cur/ plus inode and size of posta-uidlist. A
// snapshot is only written when both directory mtimes were at least a second old when the
// scan began: directory mtimes have clock-tick granularity, so a change in the same tick as
// the scan could otherwise leave the mtime equal while the scan missed the entry.
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <ctime>
#include <memory>
#include <optional>
#include <span>
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

// A file mapped read-only from byte `from` to its end (munmap on destruction); data is empty
// when the file is missing, empty there, or that part is over 1 GB. The mapping stays valid
// when the file is replaced: caches are only replaced by rename or appended to, never
// rewritten or truncated in place.
struct MappedFile {
  std::string_view data;
  uint64_t ino = 0, size = 0;  // of the file when mapped
  explicit MappedFile(const std::string& path, uint64_t from = 0);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

 private:
  void* map_ = nullptr;
  size_t map_len_ = 0;
};

// File layout (native byte order; "PIDX0003"): magic, uid_validity, uid_next, highest
// modseq, Stamp, record
// count, sizeof(MessageInfo), length of the name area, the records (MessageInfo, ascending
// UID, name_area 0), the name area, a checksum of everything before it.
struct IndexSnapshot {
  uint32_t uid_validity = 0, uid_next = 0;
  uint64_t highest_modseq = 0;
  Stamp stamp;
  std::shared_ptr<const MappedFile> file;
  std::span<const MessageInfo> records;  // in file
  std::string_view names;                // in file
};

// nullopt when the cache is missing or damaged in any way (every record is checked).
std::optional<IndexSnapshot> load_index_cache(const std::string& folder);
// Written to a temporary name and renamed; not fsynced (a torn file fails its checksum).
[[nodiscard]] Status save_index_cache(const std::string& folder, const MailboxIndex& index,
                                      const Stamp& stamp);

// Replaces a cache file with data: written to a temporary name and renamed, not fsynced (a
// torn file fails its checksum, and a lost one is rebuilt).
[[nodiscard]] Status replace_cache_file(const std::string& path, std::string_view data);

// A fast 64-bit checksum (FNV-1a over words) of the cache files.
uint64_t checksum(std::string_view data, uint64_t h = 0xcbf29ce484222325ull);

}  // namespace posta::mailstore
