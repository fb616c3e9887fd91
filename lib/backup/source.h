// One backup run of an instance (posta-backup(8) "What is backed up"): mail/ (every
// Maildir: messages, Maildir++ folders, posta-uidlist and keyword files; not tmp/ and not
// the rebuildable posta-*.cache files), control/, tls/, dkim/, and the accounts databases
// db/ and db/secret/ as Berkeley DB hot backups.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "backup/store.h"

namespace posta::backup {

struct RunProgress {
  uint64_t files = 0, bytes = 0;
};

struct RunResult {
  std::string snapshot;
  SnapshotRecord record;
  uint64_t reused = 0;   // files taken over from the previous snapshot without reading them
  std::vector<std::string> warnings;  // files that could not be read (the run went on)
};

struct RunOptions {
  bool queue = false;  // queue/ too (control/backupqueue)
};

// prev: the entries of the newest snapshot, or null. scratch: an empty directory for the
// database copies. progress: called after each file.
[[nodiscard]] Result<RunResult> backup_instance(Repository& repo, const std::string& home,
                                                const std::vector<Entry>* prev, const std::string& scratch,
                                                const std::function<void(const RunProgress&)>& progress = {},
                                                const RunOptions& opts = {});

// The Message-ID of a message (without angle brackets), from its header; empty if none.
std::string message_id_of(std::string_view head);

// "mail/<domain>/<user>/..." -> "user@domain"; "" for other paths.
std::string user_of_path(std::string_view path);
// The folder of a message path: "" for INBOX, "Sent", "Lists.posta"; nullopt when path is
// not a message in new/ or cur/ of a Maildir.
std::optional<std::string> folder_of_message(std::string_view path);

}  // namespace posta::backup
