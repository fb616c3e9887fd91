// Restoring from a snapshot (posta-backup(8) "restore"): a selection of its files, either
// exported under a directory with their paths, or put back into the live instance as new
// messages.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "backup/store.h"

namespace posta::backup {

struct Selection {
  std::string user;                   // "user@domain"; empty: everyone
  std::optional<std::string> folder;  // "" or "INBOX": the inbox; "Sent"; nullopt: every folder
  std::string message_id;             // without angle brackets; empty: any
  int64_t since = 0, until = 0;       // messages whose file time is in [since, until); 0: open
  bool messages_only() const { return !user.empty() || folder || !message_id.empty() || since || until; }
};

// Whether e is selected. Without a message criterion every file of the snapshot is
// (a whole-instance restore); with one, only the Maildir messages (and, for a user or folder
// without other criteria, the folder's posta-uidlist and keyword files when exporting).
bool selected(const Entry& e, const Selection& s);

struct RestoreResult {
  uint64_t files = 0, bytes = 0, skipped = 0;  // skipped: already in the live folder
  std::vector<std::string> errors;             // objects that failed authentication, write errors
};

// Writes the selected entries under dir at their paths, with their modes and times, as
// cp(1) would (with sync, the file system is synced before it returns); never replaces an
// existing file (an error names it).
[[nodiscard]] Result<RestoreResult> restore_to_dir(Repository& repo, const Snapshot& snap, const Selection& sel,
                                                   const std::string& dir, bool sync = false);

// Puts the selected Maildir messages back into the instance at home, each into its
// original folder, or into the folder into_folder of its user when that is not empty
// (created when missing), under a new unique name with its flags. A message still in that
// folder (the same base name, or the same bytes: restored before) is left alone, so nothing
// is overwritten or duplicated.
[[nodiscard]] Result<RestoreResult> restore_into_instance(Repository& repo, const Snapshot& snap,
                                                          const Selection& sel, const std::string& home,
                                                          const std::string& into_folder = "");

}  // namespace posta::backup
