// Where posta-local finds Sieve scripts (posta-local(8) SIEVE):
//   $POSTA_HOME/sieve/before.sieve, $POSTA_HOME/sieve/after.sieve   admin scripts, optional
//   $POSTA_HOME/sieve/<name>.sieve                                  include :global
//   <maildir>/sieve/active -> <name>.sieve                          the user's active script
//   <maildir>/sieve/<name>.sieve                                    include :personal
//   <maildir>/sieve/<name>.svbin      compiled forms of the user's scripts (a cache)
// The user's scripts through lib/sieve/script_store.h, the layout's one implementation.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "sieve/sieve.h"

namespace posta::local {

struct SieveScripts {
  sieve::Script before, user, after;
  std::string error;  // a script that exists but could not be read or compiled
  bool any() const { return !before.empty() || !user.empty() || !after.empty() || !error.empty(); }
  std::vector<const sieve::Script*> sequence() const { return {&before, &user, &after}; }
};

SieveScripts load_sieve_scripts(const std::string& home, const std::string& maildir, const std::string& user);

// include's loader: a personal or global script, checked; ENOENT when there is none. A
// personal one comes from its compiled form when that is valid, as the active script does.
Result<sieve::Script> load_included_script(const std::string& home, const std::string& maildir,
                                           std::string_view name, bool global,
                                           const sieve::CompileOptions& options);

}  // namespace posta::local
