// posta-backup: subcommands register on the CLI11 app; the chosen one sets the action.
#pragma once
#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "backup/repo.h"
#include "backup/retention.h"
#include "backup/store.h"

namespace posta::backupcmd {

// Exit codes (posta-backup(8) "EXIT STATUS").
enum Exit : int {
  kOk = 0,
  kDamage = 1,       // verify found damage, restore left something out, nothing matched
  kUsage = 2,
  kLocked = 3,       // the repository cannot be opened: wrong passphrase, not a repository
  kBusy = 75,        // another run or prune holds the repository
  kTrouble = 111,    // system trouble: I/O, a full disk
};

// The options of the subcommands.
struct LsArgs {
  std::string snapshot, user, folder;
};
struct RestoreArgs {
  std::string snapshot = "latest", at, to, user, message_id, since, until, into_folder;
  bool sync = false;
  std::optional<std::string> folder;
  std::string folder_text;  // --folder as given; folder is set when it was given
};
struct PruneArgs {
  backup::Retention keep;
  bool dry_run = false;
};

struct Context {
  std::string home;            // --home
  std::string repo;            // --repo, else control/backuprepo
  std::string passphrase_file; // --passphrase-file, else $POSTA_BACKUP_PASSPHRASE_FILE, else control/backupkeyfile
  bool json = false;
  std::string new_passphrase_file;  // key
  std::optional<int> ready_fd;      // daemon -d
  LsArgs ls;
  RestoreArgs restore;
  PruneArgs prune;
};
using Action = std::function<int()>;
// Error::code of a usage mistake (a bad time, no repository named): exit kUsage
constexpr int kErrUsage = -100;

std::string home_of(const Context& c);
[[nodiscard]] Result<std::string> repo_of(const Context& c);
[[nodiscard]] Result<std::string> passphrase_of(const Context& c);
// Locks, then opens (the passphrase unlocks the key). On failure logs and returns the exit code.
struct Opened {
  backup::RepoLock lock;
  std::unique_ptr<backup::Repository> repo;
};
[[nodiscard]] Result<Opened> open_repo(const Context& c, backup::RepoLock::Mode mode);
int fail_exit(const Error& e);
// A snapshot by name, by a unique prefix, or "latest".
[[nodiscard]] Result<std::string> find_snapshot(backup::Repository& r, const std::string& which);
// "@<epoch>", "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS]" or "YYYY-MM-DDTHH:MM[:SS]" (UTC).
[[nodiscard]] Result<int64_t> parse_time(const std::string& s);
std::string format_time(int64_t t);
std::string json_str(std::string_view s);

void register_repo(CLI::App& app, Context& c, Action& action);     // init key
void register_run(CLI::App& app, Context& c, Action& action);      // run daemon
void register_list(CLI::App& app, Context& c, Action& action);     // list ls verify prune
void register_restore(CLI::App& app, Context& c, Action& action);  // restore

// One backup run; the summary line goes to stderr. Used by run and by the daemon's child.
int run_once(const Context& c, bool progress);

}  // namespace posta::backupcmd
