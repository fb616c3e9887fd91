// A consistent copy of a running Berkeley DB environment (the accounts databases), by
// Berkeley DB's own hot backup (DB_ENV->backup: the data files, then the logs), so that
// opening the copy with recovery gives the state of a committed transaction.
#pragma once
#include <string>

#include "base/error.h"

namespace posta::backup {

// Copies the environment in env_dir into target (created, emptied first). An env_dir
// without an environment copies nothing and is not an error.
[[nodiscard]] Status hot_copy_env(const std::string& env_dir, const std::string& target);

}  // namespace posta::backup
