#include "retention/hold.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/fd.h"

namespace posta::retention {
namespace {

// An address as one path component: '/' and NUL replaced, no leading dot.
std::string component(std::string_view address) {
  std::string s(address);
  for (char& c : s)
    if (c == '/' || c == '\0') c = '_';
  if (s.empty() || s[0] == '.') s.insert(s.begin(), '_');
  return s;
}

Status make_dir(const std::string& d) {
  if (::mkdir(d.c_str(), 0700) != 0 && errno != EEXIST) return fail_sys("unable to create " + d);
  return {};
}

}  // namespace

std::string held_maildir(const std::string& home, std::string_view address) {
  return home + "/mail/.held/" + component(address);
}

Status keep_copy(const std::string& home, std::string_view address, const std::string& path) {
  std::string md = held_maildir(home, address);
  for (const std::string& d : {home + "/mail/.held", md, md + "/tmp", md + "/new", md + "/cur"})
    if (auto s = make_dir(d); !s) return s;
  std::string name = path.substr(path.rfind('/') + 1);
  std::string to = md + "/cur/" + name;
  if (::link(path.c_str(), to.c_str()) != 0 && errno != EEXIST) {
    if (errno != EXDEV && errno != EPERM) return fail_sys("unable to keep " + path + " in " + md);
    auto data = read_file(path, size_t{1} << 31);
    if (!data) return std::unexpected(data.error());
    auto fd = open_fd(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (!fd) return std::unexpected(fd.error());
    if (auto s = write_all(fd->get(), *data); !s) return s;
    if (::fsync(fd->get()) != 0) return fail_sys("unable to write " + to);
  }
  auto dir = open_fd(md + "/cur", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (!dir) return std::unexpected(dir.error());
  if (::fsync(dir->get()) != 0) return fail_sys("unable to sync " + md + "/cur");
  return {};
}

}  // namespace posta::retention
