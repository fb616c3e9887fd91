// The header cache of a folder, "posta-headers.cache": for each message (by its stable base
// name) the header fields that SEARCH FROM/TO/CC/BCC/SUBJECT/SENT*/HEADER read (those of
// ENVELOPE), so that a search does not open every message file. Filled lazily by whoever needs a
// message's fields and does not find them, by appending records under flock; only an
// accelerator (INTERNALS.md "IMAP folder cache").
//
// Record: "<length> <checksum hex> <base>\n" then <length> bytes of header lines (CRLF).
// A record that does not parse or fails its checksum ends the usable part of the file: the
// next save() rewrites the file from the records that were good.
#pragma once
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/error.h"
#include "mailstore/mailbox_index.h"

namespace posta::mailstore {

// Fields kept in the cache (lower case).
bool is_cached_header(std::string_view name);
// The cached fields of a header block (CRLF or LF lines, up to the blank line).
std::string cached_header_fields(std::string_view header_block);

class HeaderCache {
 public:
  explicit HeaderCache(std::string folder) : folder_(std::move(folder)) {}
  // Reads the records appended since the last load.
  void load();
  // nullopt when the message is not cached; valid as long as this object.
  std::optional<std::string_view> find(std::string_view base) const;
  // Remembers fields for save().
  void add(const std::string& base, std::string fields);
  // Appends what add() collected; rewrites the file instead when it was damaged, or when
  // most records belong to messages that are gone (live: the folder's messages).
  [[nodiscard]] Status save(const MailboxIndex& live);
  size_t size() const { return entries_.size(); }

 private:
  [[nodiscard]] Status rewrite(const MailboxIndex& live);
  std::string folder_;
  // Views into what load() read (kept whole: one allocation per load, not two per message)
  // and into what add() was given.
  std::deque<std::string> storage_;
  std::vector<std::shared_ptr<const MappedFile>> maps_;  // what load() mapped
  std::unordered_map<std::string_view, std::string_view> entries_;
  std::string pending_;
  uint64_t offset_ = 0, ino_ = 0;
  bool damaged_ = false;
};

}  // namespace posta::mailstore
