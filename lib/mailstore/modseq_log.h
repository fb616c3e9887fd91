// Per-message MODSEQ of one folder (RFC 7162 CONDSTORE/QRESYNC): posta-modseq.
//
// The file (INTERNALS.md "IMAP mailbox index"):
//   "posta-modseq 1 <uidvalidity> <floor> <highest>\n", then one line per change,
//   "<modseq> <uid> <letters>\n" in ascending modseq: the message got that modseq with those
//   flags (Maildir letters, "-" for none), or "!" for letters: it was expunged.
// Lines are appended under flock(2) on posta-modseq.lock; the file is rewritten (temp,
// rename) with one line per live message when dead lines dominate, forgetting the expunges
// (floor: expunges at or below it are no longer listed).
//
// A change noticed rather than made (a rename or unlink by a program that does not know this
// file, a delivery into new/) gets its modseq from the first refresh() that sees the Maildir
// differ from the last line of that UID: MailboxIndex compares every message's flags with
// its entry here under the folder's exclusive lock.
#pragma once
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/error.h"
#include "mailstore/folder_lock.h"

namespace posta::mailstore {

struct ModseqChange {
  uint32_t uid = 0;
  uint64_t flags = 0;  // the new flags (flag_bits())
  bool expunged = false;
};

struct ModseqEntry {
  uint64_t modseq = 0;
  uint64_t flags = 0;  // flag_bits() when it got modseq
};

class ModseqLog {
 public:
  explicit ModseqLog(std::string folder) : folder_(std::move(folder)) {}

  // The exclusive lock that serialises appends (and a consistent read before them).
  [[nodiscard]] Result<FolderLock> lock() const;
  // Takes in what was appended since the last read (everything, when the file was replaced).
  // A file of another UIDVALIDITY counts as empty (and is replaced by the next append).
  [[nodiscard]] Status read(uint32_t uid_validity);

  // The highest modseq given out in this folder (1 when none yet).
  uint64_t highest() const { return highest_; }
  // Expunges with a modseq at or below the floor are forgotten.
  uint64_t floor() const { return floor_; }
  const ModseqEntry* find(uint32_t uid) const {
    auto it = live_.find(uid);
    return it == live_.end() ? nullptr : &it->second;
  }
  const std::unordered_map<uint32_t, ModseqEntry>& live() const { return live_; }
  // UIDs expunged with a modseq above since, ascending, without repeats.
  std::vector<uint32_t> expunged_since(uint64_t since) const;

  using Change = ModseqChange;
  // Under lock(), after read(): gives the changes b + 1, b + 2, ... in order, where b (the
  // result) is highest() before the call, or more when a new file starts. An expunge of a
  // UID without a live entry is skipped (someone recorded it already) and takes no number.
  [[nodiscard]] Result<uint64_t> append(uint32_t uid_validity, const std::vector<Change>& changes);
  // Under lock(), after read(): rewrites the file when dead lines outnumber live ones twice
  // over (and 1,000).
  [[nodiscard]] Status compact_if_worth(uint32_t uid_validity);

 private:
  std::string path() const;
  void reset();
  [[nodiscard]] Status rewrite(uint32_t uid_validity, uint64_t floor, const std::string& body);
  void apply(uint64_t modseq, uint32_t uid, bool expunged, uint64_t flags);

  std::string folder_;
  std::unordered_map<uint32_t, ModseqEntry> live_;
  std::vector<std::pair<uint64_t, uint32_t>> expunged_;  // (modseq, uid), ascending modseq
  uint64_t highest_ = 1, floor_ = 0;
  uint64_t offset_ = 0, ino_ = 0;  // bytes of the file taken in, and its inode
  size_t lines_ = 0;
  bool stale_ = true;  // no usable file (missing, or of another UIDVALIDITY)
};

}  // namespace posta::mailstore
