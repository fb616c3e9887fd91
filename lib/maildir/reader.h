// Reading a maildir folder: messages in new/ and cur/ with their flags (":2,FLAGS").
// Used by posta-pop3d (and anything that lists a folder without the imapd index).
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace posta::maildir {

// The parts of a maildir file name "<base>[:2,<flags>]", base "<unique>[,S=<n>][,W=<n>]".
struct NameParts {
  std::string base;     // everything before ':' (the message's stable identity)
  std::string flags;    // letters after ":2,", sorted, deduplicated; empty when none
  bool has_info = false;           // ":2," present
  std::optional<uint64_t> size;    // S= (size on disk)
  std::optional<uint64_t> vsize;   // W= (size with CRLF line ends)
};
NameParts parse_name(std::string_view name);

// "<base>:2,<flags>" with flags sorted and deduplicated (ASCII order: D F P R S T, then
// lower-case keywords). Characters other than letters are dropped.
std::string name_with_flags(std::string_view base, std::string_view flags);
std::string normalize_flags(std::string_view flags);

struct Message {
  std::string name;    // file name
  std::string path;    // full path
  bool in_new = false; // still in new/ (not yet seen by any client)
  NameParts parts;
  uint64_t size = 0;   // S= if present, else st_size
  time_t mtime = 0;    // delivery time (the spec: the file's mtime)
};

// Lists new/ and cur/ of folder_dir (skipping dot files), sorted by mtime then name (oldest
// first: delivery order). Unreadable entries that vanished meanwhile are skipped.
[[nodiscard]] Result<std::vector<Message>> list_messages(const std::string& folder_dir);

// Moves a message to cur/ with the given flags (rename). Returns the new full path.
// A message that has vanished (another session expunged it) gives ENOENT in code.
[[nodiscard]] Result<std::string> set_flags(const std::string& folder_dir, const Message& m,
                                            std::string_view flags);

// Unlinks a message; ENOENT counts as success (someone else removed it).
[[nodiscard]] Status remove_message(const Message& m);

}  // namespace posta::maildir
