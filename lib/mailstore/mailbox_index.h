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
//   posta-index.cache   snapshot of this index, used while the folder is unchanged
//                       (index_cache.h); posta-headers.cache: header fields for SEARCH
//                       (header_cache.h).
// The message's identity is its "base" (file name before ':'); flags live in the name
// (":2,<letters>"), so a flag change (rename) never changes the UID.
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/error.h"

namespace posta::mailstore {

struct MessageInfo {
  uint32_t uid = 0;
  std::string base;      // stable part of the file name (before ':')
  std::string filename;  // relative to the folder: "new/<name>" or "cur/<name>"
  uint64_t size = 0;     // bytes on disk: ",S=" in the name, else stat
  uint64_t vsize = 0;    // size with CRLF line ends: ",W=" in the name; 0 = unknown
  std::string flags;     // Maildir letters, sorted: D F P R S T, then keyword letters a-z
  bool in_new() const { return filename.compare(0, 4, "new/") == 0; }
  bool has_flag(char c) const { return flags.find(c) != std::string::npos; }
};

// What a folder looked like at a scan: mtimes of new/ and cur/, inode and size of the uidlist.
struct Stamp {
  int64_t new_sec = 0, new_nsec = 0, cur_sec = 0, cur_nsec = 0;
  uint64_t uidlist_ino = 0, uidlist_size = 0;
  bool operator==(const Stamp&) const = default;
};

class MailboxIndex {
 public:
  // folder: a maildir directory (the INBOX maildir or a Maildir++ ".Folder" directory).
  // Creates the uidlist (with a fresh UIDVALIDITY) when missing, and scans the folder.
  [[nodiscard]] static Result<MailboxIndex> open(const std::string& folder);

  MailboxIndex(MailboxIndex&&) noexcept = default;
  MailboxIndex& operator=(MailboxIndex&&) noexcept = default;

  uint32_t uid_validity() const { return uid_validity_; }
  uint32_t uid_next() const { return uid_next_; }
  // Every message present at the last refresh, ascending UID.
  const std::vector<MessageInfo>& messages() const { return messages_; }
  // nullptr when no such UID (any more).
  const MessageInfo* find(uint32_t uid) const;
  std::string path(const MessageInfo& m) const { return folder_ + "/" + m.filename; }
  const std::string& folder() const { return folder_; }

  // Rescans new/ and cur/ and assigns UIDs to messages seen for the first time; skipped when
  // the folder's Stamp is unchanged since a settled scan (index_cache.h).
  [[nodiscard]] Status refresh();
  // Changes whenever messages() may have changed (sessions compare it to skip work).
  uint64_t generation() const { return generation_; }

  // Changes the flags of a message by renaming it (into cur/ when it was in new/).
  // change(old_flags) returns the new letters. When another process renamed or removed
  // the file meanwhile, rescans once and retries; a removed message gives code ENOENT.
  [[nodiscard]] Result<std::string> update_flags(
      uint32_t uid, const std::function<std::string(const std::string&)>& change);
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
  [[nodiscard]] Result<char> letter_for(std::string_view keyword, bool allocate);
  std::string keyword_of(char letter) const;

 private:
  MailboxIndex() = default;
  struct Scanned {
    std::string base, filename, flags;
    uint64_t size = 0, vsize = 0;
  };
  [[nodiscard]] Status load_keywords();
  [[nodiscard]] Result<std::vector<Scanned>> scan() const;
  [[nodiscard]] Status assign(std::vector<Scanned>& fresh);
  [[nodiscard]] Status read_uidlist(bool from_start);
  [[nodiscard]] Status rewrite_uidlist_locked();
  [[nodiscard]] Status scan_and_assign();
  bool load_cache();
  void rebuild(std::vector<Scanned>& all);
  MessageInfo* find_mut(uint32_t uid);

  std::string folder_;
  uint32_t uid_validity_ = 0;
  uint32_t uid_next_ = 1;
  std::vector<MessageInfo> messages_;
  std::unordered_map<std::string, uint32_t> uids_;  // base -> uid, from the uidlist
  size_t uidlist_dead_ = 0;                         // uidlist lines of vanished messages
  uint64_t uidlist_offset_ = 0;                     // bytes of the uidlist already read
  uint64_t uidlist_ino_ = 0;
  std::vector<std::string> keywords_;
  Stamp seen_;                 // the folder at the last scan (or cache load)
  bool seen_settled_ = false;  // seen_ can prove that nothing changed since
  uint64_t generation_ = 0;
};

// Maildir letters <-> IMAP system flags (\Seen S, \Answered R, \Flagged F, \Deleted T,
// \Draft D); "" for letters without an IMAP name (P, keywords).
std::string_view system_flag_name(char letter);
char system_flag_letter(std::string_view imap_flag);  // case-insensitive; 0 when none

// POP3 UIDL of a message: "<uidvalidity>.<uid>" (stable, at most 70 characters).
std::string uidl(const MailboxIndex& index, const MessageInfo& m);

}  // namespace posta::mailstore
