// Unreachable-host cache: after a connection to ip:port fails (refused, timeout, no route),
// posta-remote skips that address for `ttl` seconds so a dead host does not hold every
// delivery slot for its connect timeout. One empty file per address in the cache directory
// ($POSTA_HOME/queue/hostcache), its mtime the time of the failure; a success removes it.
// The cache is advisory: any error reading or writing it means "not cached".
#pragma once
#include <ctime>
#include <string>

namespace posta::dns {

class HostCache {
 public:
  // ttl 0 disables the cache.
  HostCache(std::string dir, long ttl_seconds) : dir_(std::move(dir)), ttl_(ttl_seconds) {}

  bool is_dead(const std::string& ip, int port, std::time_t now = std::time(nullptr)) const;
  void mark_dead(const std::string& ip, int port) const;
  void mark_alive(const std::string& ip, int port) const;
  std::string entry_path(const std::string& ip, int port) const;
  long ttl() const { return ttl_; }

 private:
  std::string dir_;
  long ttl_;
};

}  // namespace posta::dns
