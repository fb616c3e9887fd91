#include "mailstore/header_cache.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <strings.h>

#include "io/fd.h"
#include "mailstore/index_cache.h"
#include "mime/message.h"

namespace posta::mailstore {
namespace {

constexpr const char* kFile = "/posta-headers.cache";
constexpr size_t kMaxFields = 16384;  // per message; longer blocks are cut at a line end

std::string record(std::string_view base, std::string_view fields) {
  char sum[24];
  std::snprintf(sum, sizeof sum, "%llx", static_cast<unsigned long long>(checksum(fields)));
  return std::to_string(fields.size()) + " " + sum + " " + std::string(base) + "\n" + std::string(fields);
}

}  // namespace

bool is_cached_header(std::string_view n) {
  static const char* const kNames[] = {"from", "to", "cc", "bcc", "subject", "date", "message-id",
                                       "sender", "reply-to", "in-reply-to", "references"};
  for (const char* k : kNames)
    if (n.size() == std::char_traits<char>::length(k) && strncasecmp(n.data(), k, n.size()) == 0) return true;
  return false;
}

std::string cached_header_fields(std::string_view block) {
  return mime::select_header_lines(block, is_cached_header, kMaxFields);
}

// The file is mapped, not read: no buffer to clear and copy into (a quarter of the first
// header SEARCH of a 100,000-message folder). Only the part not read before is mapped.
void HeaderCache::load() {
  if (damaged_) return;
  struct stat st{};
  if (::stat((folder_ + kFile).c_str(), &st) != 0) return;
  bool same = st.st_ino == ino_ && static_cast<uint64_t>(st.st_size) >= offset_;
  uint64_t from = same ? offset_ : 0;
  if (static_cast<uint64_t>(st.st_size) == from) return;
  auto map = std::make_shared<const MappedFile>(folder_ + kFile, from);
  if (map->data.empty() || map->ino != st.st_ino) return;  // replaced meanwhile: next load()
  if (!same) offset_ = 0, ino_ = map->ino;
  std::string_view data = map->data;
  maps_.push_back(std::move(map));
  entries_.reserve(entries_.size() + data.size() / 128);
  size_t pos = 0;
  while (pos < data.size()) {
    size_t nl = data.find('\n', pos);
    if (nl == std::string::npos) break;  // an append in progress, or a torn one
    std::string_view head(data.data() + pos, nl - pos);
    size_t sp1 = head.find(' '), sp2 = sp1 == head.npos ? head.npos : head.find(' ', sp1 + 1);
    uint64_t len = 0, sum = 0;
    bool ok = sp2 != head.npos && sp2 + 1 < head.size();
    ok = ok && std::from_chars(head.data(), head.data() + sp1, len).ptr == head.data() + sp1;
    ok = ok && std::from_chars(head.data() + sp1 + 1, head.data() + sp2, sum, 16).ptr == head.data() + sp2;
    if (ok && nl + 1 + len > data.size()) break;  // the rest is still being written
    std::string_view fields = ok ? std::string_view(data).substr(nl + 1, len) : std::string_view();
    if (!ok || len > kMaxFields || checksum(fields) != sum) {
      damaged_ = true;
      break;
    }
    entries_[head.substr(sp2 + 1)] = fields;
    pos = nl + 1 + len;
  }
  offset_ += pos;
}

std::optional<std::string_view> HeaderCache::find(std::string_view base) const {
  auto it = entries_.find(base);
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

void HeaderCache::add(const std::string& base, std::string fields) {
  if (base.find('\n') != std::string::npos) return;  // cannot be a record key
  pending_ += record(base, fields);
  std::string_view key = storage_.emplace_back(base);
  entries_[key] = storage_.emplace_back(std::move(fields));
}

Status HeaderCache::save(const MailboxIndex& live) {
  if (damaged_ || entries_.size() > 2 * live.messages().size() + 1000) return rewrite(live);
  if (pending_.empty()) return {};
  auto fd = open_fd(folder_ + kFile, O_WRONLY | O_APPEND | O_CREAT, 0600);
  if (!fd) return std::unexpected(fd.error());
  while (::flock(fd->get(), LOCK_EX) != 0)
    if (errno != EINTR) return fail_sys("unable to lock header cache");
  auto s = write_all(fd->get(), pending_);
  pending_.clear();
  return s;
}

Status HeaderCache::rewrite(const MailboxIndex& live) {
  std::string out;
  for (auto& m : live.messages())
    if (auto f = find(live.base(m))) out += record(live.base(m), *f);
  std::string tmp = folder_ + kFile + ".tmp" + std::to_string(::getpid());
  auto fd = open_fd(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (!fd) return std::unexpected(fd.error());
  auto s = write_all(fd->get(), out);
  if (s && ::rename(tmp.c_str(), (folder_ + kFile).c_str()) != 0) s = fail_sys("unable to rename " + tmp);
  if (!s) {
    ::unlink(tmp.c_str());
    return s;
  }
  struct stat st{};
  if (::fstat(fd->get(), &st) == 0) ino_ = st.st_ino, offset_ = static_cast<uint64_t>(st.st_size);
  pending_.clear();
  damaged_ = false;
  return {};
}

}  // namespace posta::mailstore
