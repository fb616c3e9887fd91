#include "dns/hostcache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/fd.h"

namespace posta::dns {

std::string HostCache::entry_path(const std::string& ip, int port) const {
  std::string name;
  for (char c : ip) name.push_back(c == ':' ? '_' : c);  // IPv6 colons: keep names plain
  return dir_ + "/" + name + "," + std::to_string(port);
}

bool HostCache::is_dead(const std::string& ip, int port, std::time_t now) const {
  if (ttl_ <= 0) return false;
  struct stat st;
  if (::stat(entry_path(ip, port).c_str(), &st) != 0) return false;
  return now >= st.st_mtime && now - st.st_mtime < ttl_;
}

void HostCache::mark_dead(const std::string& ip, int port) const {
  if (ttl_ <= 0) return;
  ::mkdir(dir_.c_str(), 0700);
  auto path = entry_path(ip, port);
  auto fd = open_fd(path, O_WRONLY | O_CREAT, 0600);
  if (fd) ::futimens(fd->get(), nullptr);  // now
}

void HostCache::mark_alive(const std::string& ip, int port) const {
  if (ttl_ <= 0) return;
  ::unlink(entry_path(ip, port).c_str());
}

}  // namespace posta::dns
