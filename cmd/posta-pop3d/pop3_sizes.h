// The CRLF sizes of messages whose file name has no ",W=" (mail not delivered by posta:
// migrated, or written by another MDA), kept in MAILDIR/posta-pop3.sizes so that a login
// does not read every such message again to answer STAT and LIST.
// Lines "<size on disk> <size as sent> <base>"; an entry counts only while the size on
// disk matches (maildir messages never change, but a damaged line must not lie).
#pragma once
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>

namespace posta::pop3 {

class SizeCache {
 public:
  // A missing or unreadable file gives an empty cache.
  static SizeCache load(const std::string& maildir);
  // 0 when unknown.
  uint64_t find(const std::string& base, uint64_t disk_size);
  void put(const std::string& base, uint64_t disk_size, uint64_t octets);
  // Rewrites the file with the entries of this session's messages when put() added any.
  void save();

 private:
  using Sizes = std::unordered_map<std::string, std::pair<uint64_t, uint64_t>>;
  std::string path_;
  Sizes stored_;  // what the file had
  Sizes used_;    // entries of the messages of this session
  bool changed_ = false;
};

}  // namespace posta::pop3
