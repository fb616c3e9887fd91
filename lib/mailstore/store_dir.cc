#include "mailstore/store_dir.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace posta::mailstore {

void hand_to_mail_owner(const std::string& home, const std::string& path) {
  if (::geteuid() != 0) return;
  struct stat st{};
  if (::stat((home + "/mail").c_str(), &st) != 0) return;
  (void)!::chown(path.c_str(), st.st_uid, st.st_gid);
}

Result<std::string> ensure_store_dir(const std::string& home, std::string_view name) {
  std::string dir = home + "/mail/" + std::string(name);
  if (::mkdir(dir.c_str(), 0700) == 0) {
    hand_to_mail_owner(home, dir);
    return dir;
  }
  if (errno != EEXIST) return fail_sys("unable to create " + dir);
  return dir;
}

}  // namespace posta::mailstore
