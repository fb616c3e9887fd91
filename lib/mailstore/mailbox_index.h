// The mailbox index of one Maildir folder: stable UIDs, UIDVALIDITY, UIDNEXT, flags.
// Shared by posta-imapd and posta-pop3d, so that a message keeps one identity (IMAP UID,
// POP3 UIDL "<uidvalidity>.<uid>") whichever protocol reads it.
//
// On disk, in the folder directory (documented in INTERNALS.md "IMAP mailbox index"):
//   posta-uidlist       "posta-uidlist 1 <uidvalidity> <uidnext>\n" then "<uid> <base>\n"
//                       lines in ascending UID order; new lines are appended (O_APPEND +
//                       fdatasync) under the lock; lines of expunged messages are dropped
//                       when the file is rewritten (temp, fsync, rename).
//   posta-uidlist.lock  flock(2)ed exclusively while UIDs are assigned or the list rewritten.
//   posta-keywords      "<letter> <keyword>\n": IMAP keywords stored as Maildir letters a-z.
//   posta-modseq        the MODSEQ of every message and HIGHESTMODSEQ (modseq_log.h).
//   posta-index.cache   snapshot of this index, used while the folder is unchanged
//                       (index_cache.h); posta-headers.cache: header fields for SEARCH
//                       (header_cache.h); posta-sort.cache: SORT keys (sort_cache.h).
//   posta-fts/          the full-text index of SEARCH BODY/TEXT (lib/fts/folder_index.h).
// The message's identity is its "base" (file name before ':'); flags live in the name
// (":2,<letters>"), so a flag change (rename) never changes the UID.
//
// In memory a message is a fixed-size, trivially copyable MessageInfo whose file name lives
// in the index's name storage, not in a string of its own: opening an unchanged folder maps
// the cache file and uses its records and names in place (no per-message allocation; on
// these VMs every fresh page costs a fault and a clear, and 100,000 strings were most of the
// time of a SELECT). The first change (flags, expunge, append) copies the records.
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/error.h"

namespace posta::mailstore {

// A set of Maildir info letters: bit c - 'A' for 'A'..'Z', 26 + c - 'a' for 'a'..'z', so that
// ascending bits are the letters in ASCII order (the order of normalize_letters()).
uint64_t flag_bits(std::string_view letters);
std::string flag_letters(uint64_t bits);
constexpr uint64_t flag_bit(char c) {
  return c >= 'A' && c <= 'Z' ? 1ull << (c - 'A') : c >= 'a' && c <= 'z' ? 1ull << (26 + c - 'a') : 0;
}

// One message. Also the record format of posta-index.cache (index_cache.h), hence the fixed
// layout without implicit padding. Its file name: MailboxIndex::filename(), base(), path().
struct MessageInfo {
  uint32_t uid = 0;
  uint32_t name_off = 0;   // offset of the file name in its name area
  uint64_t size = 0;       // bytes on disk: ",S=" in the name, else stat
  uint64_t vsize = 0;      // size with CRLF line ends: ",W=" in the name; 0 = unknown
  uint64_t flags_set = 0;  // flag_bits() of the letters after ":2,"
  uint16_t name_len = 0;   // "new/<name>" or "cur/<name>"
  uint16_t base_len = 0;   // of the base, after the "new/" or "cur/"
  uint8_t name_area = 0;   // 0: the names of the last scan or cache; 1: names added since
  uint8_t new_dir = 0;     // 1: the file is in new/
  uint16_t reserved = 0;
  uint64_t modseq = 0;     // RFC 7162 MODSEQ of the last flag change (or arrival)
  bool in_new() const { return new_dir != 0; }
  bool has_flag(char c) const { return (flags_set & flag_bit(c)) != 0; }
  std::string flags() const { return flag_letters(flags_set); }  // sorted letters
};
static_assert(sizeof(MessageInfo) == 48);

// What a folder looked like at a scan: mtimes of new/ and cur/, inode and size of the uidlist.
struct Stamp {
  int64_t new_sec = 0, new_nsec = 0, cur_sec = 0, cur_nsec = 0;
  uint64_t uidlist_ino = 0, uidlist_size = 0;
  bool operator==(const Stamp&) const = default;
};

struct MappedFile;  // index_cache.h
class ModseqLog;    // modseq_log.h
struct ModseqChange;
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

class MailboxIndex {
 public:
  // folder: a maildir directory (the INBOX maildir or a Maildir++ ".Folder" directory).
  // Creates the uidlist (with a fresh UIDVALIDITY) when missing, and scans the folder.
  [[nodiscard]] static Result<MailboxIndex> open(const std::string& folder);

  MailboxIndex(MailboxIndex&&) noexcept;
  MailboxIndex& operator=(MailboxIndex&&) noexcept;
  ~MailboxIndex();

  uint32_t uid_validity() const { return uid_validity_; }
  uint32_t uid_next() const { return uid_next_; }
  // RFC 7162 HIGHESTMODSEQ: the highest MODSEQ given out in this folder (at least 1).
  uint64_t highest_modseq() const { return highest_modseq_; }
  // UIDs expunged with a MODSEQ above since (rereads the log); complete is false when
  // since is below what the log remembers, and the caller must assume every UID absent
  // from messages() may have gone since.
  [[nodiscard]] Result<std::vector<uint32_t>> expunged_since(uint64_t since, bool& complete);
  // Every message present at the last refresh, ascending UID. Valid until the next change.
  std::span<const MessageInfo> messages() const;
  // nullptr when no such UID (any more).
  const MessageInfo* find(uint32_t uid) const;
  // The same, looking first at position hint (a session's sequence number - 1, which is the
  // position while the session's view matches the index): no binary search per message.
  const MessageInfo* find(uint32_t uid, size_t hint) const {
    auto all = messages();
    return hint < all.size() && all[hint].uid == uid ? &all[hint] : find(uid);
  }
  // The message's "new/<name>" or "cur/<name>", its base, its full path: of the message with
  // m's UID as this index knows it now (m may be a copy from before a refresh); empty when
  // the index no longer has that UID (an empty path fails every system call with ENOENT).
  std::string_view filename(const MessageInfo& m) const;
  std::string_view base(const MessageInfo& m) const;
  std::string path(const MessageInfo& m) const;
  const std::string& folder() const { return folder_; }

  // Rescans new/ and cur/ and assigns UIDs to messages seen for the first time; skipped when
  // the folder's Stamp is unchanged since a settled scan (index_cache.h). Rereads the
  // keywords when another process added one.
  [[nodiscard]] Status refresh();
  // Changes whenever messages() may have changed (sessions compare it to skip work).
  uint64_t generation() const { return generation_; }

  // Changes the flags of a message by renaming it (into cur/ when it was in new/).
  // change(old_flags) returns the new letters. When another process renamed or removed
  // the file meanwhile, rescans once and retries; a removed message gives code ENOENT.
  // A change gives the message a new modseq. With unchanged_since (RFC 7162 UNCHANGEDSINCE)
  // nothing is changed when the message's modseq is above it: code EEXIST.
  [[nodiscard]] Result<std::string> update_flags(
      uint32_t uid, const std::function<std::string(const std::string&)>& change,
      std::optional<uint64_t> unchanged_since = std::nullopt);
  // Moves a message from new/ to cur/ keeping its flags. true when THIS call moved it
  // (IMAP \Recent goes to exactly one session); false when already in cur/.
  [[nodiscard]] Result<bool> claim_new(uint32_t uid);
  // Unlinks the message (ENOENT is not an error: someone else expunged it).
  [[nodiscard]] Status remove(uint32_t uid);
  // Stores a new message (tmp/, fsync, rename into cur/ with flags and mtime = internaldate)
  // and assigns its UID at once. Returns the UID.
  [[nodiscard]] Result<uint32_t> add(std::string_view data, std::string_view flags,
                                     time_t internaldate);
  // Hard-links (or copies) a message of another folder into this one; returns the new UID.
  [[nodiscard]] Result<uint32_t> add_file(const std::string& src_path, std::string_view flags);

  // Keywords: letter 'a' + i <-> name; letter_for() allocates a letter (max 26) when asked.
  const std::vector<std::string>& keywords() const { return keywords_; }
  // Changes whenever keywords() may have changed.
  uint64_t keywords_version() const { return keywords_version_; }
  [[nodiscard]] Result<char> letter_for(std::string_view keyword, bool allocate);
  std::string keyword_of(char letter) const;

 private:
  MailboxIndex() = default;
  [[nodiscard]] Status load_keywords();
  uint64_t keywords_file_id() const;
  // A scan: the records (name_off into names) and the names, in readdir order.
  struct Scan {
    std::vector<MessageInfo> found;
    std::string names;
  };
  [[nodiscard]] Result<Scan> scan() const;
  [[nodiscard]] Status assign(const std::vector<std::string_view>& fresh);
  [[nodiscard]] Status read_uidlist(bool from_start);
  [[nodiscard]] Status rewrite_uidlist_locked();
  [[nodiscard]] Status scan_and_assign();
  bool load_cache();
  // Gives every message whose flags differ from its modseq log entry (or that has none) a
  // new modseq, records vanished ones as expunged; under the exclusive folder lock.
  [[nodiscard]] Status settle_modseqs();
  // Records changes made by this process (under the folder lock, shared or exclusive);
  // returns the modseq of the last.
  [[nodiscard]] Result<uint64_t> log_changes(const std::vector<ModseqChange>& changes);
  ModseqLog& modseq_log();
  void rebuild(Scan& scan);
  MessageInfo* find_mut(uint32_t uid);
  std::vector<MessageInfo>& own_records();
  std::string_view area(uint8_t which) const;
  // Points m at a copy of name ("new/..." or "cur/...") in the area of names added since.
  void set_name(MessageInfo& m, std::string_view name, size_t base_len);

  std::string folder_;
  uint32_t uid_validity_ = 0;
  uint32_t uid_next_ = 1;
  // The records: in the mapped cache file until the first change, then in owned_.
  std::shared_ptr<const MappedFile> cache_;  // when set, area 0 is cache_names_
  std::span<const MessageInfo> cache_records_;
  std::string_view cache_names_;
  bool mapped_ = false;  // the records are cache_records_
  std::vector<MessageInfo> owned_;
  std::string scan_names_;   // area 0 when not from the cache
  std::string added_names_;  // area 1: names set by renames and additions since
  std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>> uids_;  // base -> uid
  size_t uidlist_dead_ = 0;                         // uidlist lines of vanished messages
  uint64_t uidlist_offset_ = 0;                     // bytes of the uidlist already read
  uint64_t uidlist_ino_ = 0;
  std::vector<std::string> keywords_;
  uint64_t keywords_id_ = 0;  // keywords_file_id() when keywords_ were read
  uint64_t keywords_version_ = 0;
  Stamp seen_;                 // the folder at the last scan (or cache load)
  bool seen_settled_ = false;  // seen_ can prove that nothing changed since
  uint64_t generation_ = 0;
  std::unique_ptr<ModseqLog> modseq_log_;  // created at the first change or refresh
  uint64_t highest_modseq_ = 1;
};

// Maildir letters <-> IMAP system flags (\Seen S, \Answered R, \Flagged F, \Deleted T,
// \Draft D); "" for letters without an IMAP name (P, keywords).
std::string_view system_flag_name(char letter);
char system_flag_letter(std::string_view imap_flag);  // case-insensitive; 0 when none

// POP3 UIDL of a message: "<uidvalidity>.<uid>" (stable, at most 70 characters).
std::string uidl(const MailboxIndex& index, const MessageInfo& m);

}  // namespace posta::mailstore
