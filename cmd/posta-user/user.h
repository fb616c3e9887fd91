// posta-user: subcommands register on the CLI11 app; the chosen one sets the action.
#pragma once
#include <CLI/CLI.hpp>

#include <functional>
#include <string>

#include "accounts/lookup.h"
#include "base/error.h"

namespace posta::usercmd {

struct Context {
  std::string home;
};
using Action = std::function<int()>;

struct Opts {
  std::string address;
  bool json = false;
  bool purge = false;
  bool password_stdin = false, no_password = false;
  std::string password_hash;
  std::string quota_bytes, quota_messages, maildir, store_host;
  bool master = false, no_master = false, disabled = false;
  bool replace = false, no_maildir = false;
  size_t batch = 100;
  std::string share_folder, share_with, share_rights;  // share, unshare
};

// add del passwd set enable disable
void register_edit(CLI::App& app, Context& ctx, Opts& o, Action& action);
// list show import export
void register_view(CLI::App& app, Context& ctx, Opts& o, Action& action);

// share unshare shares
void register_share(CLI::App& app, Context& ctx, Opts& o, Action& action);

// sieve list|get|put|activate|deactivate|delete, vacation
void register_sieve(CLI::App& app, Context& ctx, Action& action);

[[nodiscard]] Result<accounts::Accounts> open(const Context& c, bool write);

// After a subcommand ran: a change that succeeded goes to the audit log (user_audit.cc).
void audit_change(const CLI::App& app, const Context& ctx, const Opts& o, int rc);

}  // namespace posta::usercmd
