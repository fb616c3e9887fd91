#include "backup/dbcopy.h"

#include <db_cxx.h>
#include <sys/stat.h>

#include "db/db.h"

namespace posta::backup {

Status hot_copy_env(const std::string& env_dir, const std::string& target) {
  auto env = db::Env::open(env_dir, false);
  if (!env) {
    if (env.error().code == ENOENT) return {};
    return fail("unable to join " + env_dir + ": " + env.error().what, env.error().code);
  }
  if (::mkdir(target.c_str(), 0700) != 0 && errno != EEXIST) return fail_sys("unable to create " + target);
  int rc = (*env)->get()->backup(target.c_str(), DB_CREATE | DB_BACKUP_CLEAN);
  if (rc != 0) return fail("hot backup of " + env_dir + " failed: " + DbEnv::strerror(rc), rc);
  return {};
}

}  // namespace posta::backup
