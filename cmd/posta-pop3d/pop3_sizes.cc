#include "pop3_sizes.h"

#include <charconv>
#include <string_view>

#include "io/fd.h"
#include "log/log.h"

namespace posta::pop3 {
namespace {

constexpr const char* kFile = "/posta-pop3.sizes";

bool parse_u64(std::string_view s, uint64_t& v) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return !s.empty() && ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

SizeCache SizeCache::load(const std::string& maildir) {
  SizeCache c;
  c.path_ = maildir + kFile;
  auto data = read_file(c.path_, 64 << 20);
  if (!data) return c;
  std::string_view rest(*data);
  while (!rest.empty()) {
    size_t nl = rest.find('\n');
    if (nl == std::string_view::npos) break;  // a torn last line: ignored
    std::string_view line = rest.substr(0, nl);
    rest.remove_prefix(nl + 1);
    size_t a = line.find(' ');
    size_t b = a == std::string_view::npos ? a : line.find(' ', a + 1);
    uint64_t disk = 0, octets = 0;
    if (b == std::string_view::npos || b + 1 >= line.size() ||
        !parse_u64(line.substr(0, a), disk) ||
        !parse_u64(line.substr(a + 1, b - a - 1), octets) || octets == 0)
      continue;
    c.stored_[std::string(line.substr(b + 1))] = {disk, octets};
  }
  return c;
}

uint64_t SizeCache::find(const std::string& base, uint64_t disk_size) {
  auto it = stored_.find(base);
  if (it == stored_.end() || it->second.first != disk_size) return 0;
  used_.insert(*it);
  return it->second.second;
}

void SizeCache::put(const std::string& base, uint64_t disk_size, uint64_t octets) {
  if (base.find('\n') != std::string::npos) return;  // not representable in the file
  used_[base] = {disk_size, octets};
  changed_ = true;
}

void SizeCache::save() {
  if (!changed_) return;
  std::string out;
  for (const auto& [base, s] : used_)
    out.append(std::to_string(s.first) + " " + std::to_string(s.second) + " ").append(base) += '\n';
  // Only a cache: a failure costs the next login a rescan, nothing more.
  if (auto w = write_file_atomic(path_, out, 0600); !w)
    log::warning("unable to save ", path_, ": ", w.error().what);
  changed_ = false;
}

}  // namespace posta::pop3
