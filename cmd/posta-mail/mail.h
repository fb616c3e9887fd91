// posta-mail: the administrator's tool for the mail itself (search, fetch, expunge, move,
// export, import, usage, audit). See man/posta-mail.8.
//
// Each subcommand reads what it needs of the accounts databases first, then becomes the
// mail store owner (the owner of $POSTA_HOME/mail) and works through lib/mailstore as
// posta-imapd does, so that IMAP sessions see its changes as ordinary expunges and appends.
#pragma once
#include <CLI/CLI.hpp>

#include <cstdint>
#include <ctime>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "accounts/records.h"
#include "audit/audit_log.h"
#include "base/error.h"
#include "mailsearch/query.h"

namespace posta::mailcmd {

struct Opts {
  std::string home;
  std::string invoker;  // audit::invoker(), taken before any change of ids
  // scope
  std::vector<std::string> users;
  std::string domain;
  bool all = false;
  // query (the words of the positional arguments, joined by spaces)
  std::vector<std::string> query_words;
  bool json = false;
  bool dry_run = false;
  bool rebuild = false;  // index
  bool changed = false;  // index --changed
  std::string to_folder;  // move
  // fetch
  std::string address, folder, part;
  uint32_t uid = 0;
  bool decode = false;
  // export / import
  std::string mbox, dir, source;
  // audit
  std::string since, until, action;
  std::optional<int> ready_fd;  // daemon -d
};
using Action = std::function<int()>;

// One message a query found.
struct Hit {
  std::string user;     // address
  std::string maildir;  // the user's
  std::string folder;   // mailbox name ("INBOX", "Sent", "Work.Reports")
  uint32_t uid = 0;
  time_t date = 0;      // arrival (INTERNALDATE)
  uint64_t size = 0;
  std::string flags;    // Maildir letters
  std::string from, subject, message_id;  // decoded
  std::string path;     // the message file when found
};

// The users of --user/--domain/--all (exactly one of them), then the process is the mail
// store owner. Errors are kErrInvalid for a bad scope, kErrNotFound for an unknown user.
[[nodiscard]] Result<std::vector<accounts::UserRecord>> scope_users(const Opts& o);
// One user's record, then the mail store owner.
[[nodiscard]] Result<accounts::UserRecord> one_user(const Opts& o, const std::string& address);
// As root: the ids of the owner of $POSTA_HOME/mail; else nothing.
[[nodiscard]] Status become_mail_owner(const std::string& home);

// admin::report(e), for an error not reported yet (its what is not empty); the exit code.
int report(const Error& e);
// The query of the positional words; a usage error (already reported, with the query and a
// caret under the position) otherwise.
[[nodiscard]] Result<mailsearch::Query> query_of(const Opts& o, bool empty_is_all);
// Every message of users that q matches: users in order, INBOX then the other folders,
// ascending UID. progress (may be empty) is called after each folder.
[[nodiscard]] Result<std::vector<Hit>> find(const std::vector<accounts::UserRecord>& users,
                                            const mailsearch::Query& q,
                                            const std::function<void(size_t done)>& progress = {});
// The matches in one folder of a user, appended to out (the folder's header cache used and
// filled).
void find_in_folder(const accounts::UserRecord& u, const std::string& maildir, const std::string& folder,
                    const mailsearch::Query& q, std::vector<Hit>& out);
// The user's Maildir without a trailing '/'.
std::string maildir_of(const accounts::UserRecord& u);
// Removes the hits still present as an IMAP EXPUNGE does, tells the users' quota files,
// appends one audit record a message (action, detail); returns the hits removed.
std::vector<Hit> remove_hits(const Opts& o, const std::vector<accounts::UserRecord>& users,
                             const std::vector<Hit>& hits, const std::string& action, const std::string& detail);
// search's output: the hits as lines or a JSON array.
int print_hits(const std::vector<Hit>& hits, bool json);
// A record for the audit log of an action by this invocation.
audit::Record audit_record(const Opts& o, std::string action, const Hit& h, std::string detail);
// One audit record of a search (or a dry run: action "expunge -n", "move -n"): the scope,
// the query, how many it found.
void audit_lookup(const Opts& o, const std::string& action, const mailsearch::Query& q, size_t found);
// Appends, logging (not failing) when the log cannot be written.
void write_audit(const Opts& o, const std::vector<audit::Record>& records);
// Progress on stderr when it is a terminal: "\rlabel done/total".
void show_progress(const char* label, size_t done, size_t total);

// Marks a folder whose messages came or went for the full-text indexer (mail_index.cc).
void note_changed(const Opts& o, const std::string& folder_dir);

// --user, --domain, --all on a subcommand.
void add_scope_options(CLI::App* sc, Opts& o);

void register_search(CLI::App& app, Opts& o, Action& action);   // search, fetch
void register_change(CLI::App& app, Opts& o, Action& action);   // expunge, move
void register_transfer(CLI::App& app, Opts& o, Action& action); // export, import
void register_report(CLI::App& app, Opts& o, Action& action);   // usage, audit
void register_retention(CLI::App& app, Opts& o, Action& action);  // retention
void register_daemon(CLI::App& app, Opts& o, Action& action);     // daemon (the mailtasks service)
void register_index(CLI::App& app, Opts& o, Action& action);      // index

}  // namespace posta::mailcmd
