#include "queue/spool.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "io/fd.h"

namespace posta::queue {

Status Spool::ensure() const {
  if (::mkdir(root_.c_str(), 0750) != 0 && errno != EEXIST) return fail_sys("unable to create " + root_);
  for (const char* d : kSpoolDirs) {
    std::string p = dir(d);
    if (::mkdir(p.c_str(), 0750) != 0 && errno != EEXIST) return fail_sys("unable to create " + p);
  }
  std::string t = trigger();
  if (::mkfifo(t.c_str(), 0620) != 0 && errno != EEXIST) return fail_sys("unable to create " + t);
  return {};
}

Result<std::vector<std::string>> Spool::list(std::string_view sub) const {
  std::string p = dir(sub);
  DIR* d = ::opendir(p.c_str());
  if (!d) return fail_sys("unable to open " + p);
  std::vector<std::string> out;
  errno = 0;
  while (dirent* e = ::readdir(d)) {
    if (valid_id(e->d_name)) out.emplace_back(e->d_name);
  }
  int err = errno;
  ::closedir(d);
  if (err) return fail_sys("unable to read " + p, err);
  std::sort(out.begin(), out.end());
  return out;
}

std::string make_id(long long sec, long usec, pid_t pid) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%08llX%05lX.%ld", static_cast<unsigned long long>(sec) & 0xffffffffULL,
                static_cast<unsigned long>(usec) & 0xfffffUL, static_cast<long>(pid));
  return buf;
}

static bool is_uhex(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); }

bool valid_id(std::string_view id) {
  if (id.size() < 15 || id.size() > 24 || id[13] != '.') return false;
  for (size_t i = 0; i < 13; ++i)
    if (!is_uhex(id[i])) return false;
  if (id[14] == '0' && id.size() > 15) return false;
  for (size_t i = 14; i < id.size(); ++i)
    if (id[i] < '0' || id[i] > '9') return false;
  return id.size() - 14 <= 10;
}

pid_t id_pid(std::string_view id) {
  if (!valid_id(id)) return 0;
  long long v = 0;
  for (size_t i = 14; i < id.size(); ++i) v = v * 10 + (id[i] - '0');
  return v > 0x7fffffff ? 0 : static_cast<pid_t>(v);
}

long long id_time(std::string_view id) {
  if (!valid_id(id)) return 0;
  long long v = 0;
  for (size_t i = 0; i < 8; ++i) v = v * 16 + (id[i] <= '9' ? id[i] - '0' : id[i] - 'A' + 10);
  return v;
}

void pull_trigger(const Spool& spool) {
  int fd = ::open(spool.trigger().c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return;  // ENXIO: nobody reads; posta-send's periodic scan will find it
  (void)!::write(fd, "", 1);
  ::close(fd);
}

}  // namespace posta::queue
