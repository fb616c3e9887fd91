#include "mailstore/sort_cache.h"

#include <cstring>

#include "mailstore/index_cache.h"

namespace posta::mailstore {
namespace {

constexpr char kMagic[8] = {'P', 'S', 'R', 'T', '0', '0', '0', '1'};
constexpr const char* kFile = "/posta-sort.cache";
constexpr size_t kHeader = 16, kRecord = 24, kMaxSubject = 256;

template <class T>
T get(std::string_view d, size_t at) {
  T v;
  std::memcpy(&v, d.data() + at, sizeof v);
  return v;
}
template <class T>
void put(std::string& out, T v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

}  // namespace

SortCache SortCache::load(const std::string& folder, uint32_t uid_validity) {
  SortCache c;
  auto file = std::make_shared<const MappedFile>(folder + kFile);
  std::string_view d = file->data;
  if (d.size() < kHeader + 8 || std::memcmp(d.data(), kMagic, sizeof kMagic) != 0) return c;
  if (get<uint32_t>(d, 8) != uid_validity) return c;
  uint64_t count = get<uint32_t>(d, 12);
  if (kHeader + count * kRecord + 8 > d.size()) return c;
  if (checksum(d.substr(0, d.size() - 8)) != get<uint64_t>(d, d.size() - 8)) return c;
  std::string_view records = d.substr(kHeader, count * kRecord);
  std::string_view subjects = d.substr(kHeader + count * kRecord, d.size() - 8 - kHeader - count * kRecord);
  uint32_t last = 0;
  for (size_t i = 0; i < count; ++i) {  // checked once here: find() trusts them
    uint32_t uid = get<uint32_t>(records, i * kRecord), off = get<uint32_t>(records, i * kRecord + 4),
             len = get<uint32_t>(records, i * kRecord + 8);
    if ((i > 0 && uid <= last) || len > kMaxSubject || uint64_t{off} + len > subjects.size()) return c;
    last = uid;
  }
  c.file_ = std::move(file);
  c.records_ = records;
  c.subjects_ = subjects;
  c.count_ = count;
  return c;
}

bool SortCache::find(uint32_t uid, SortCacheEntry& out) const {
  size_t lo = 0, hi = count_;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    uint32_t u = get<uint32_t>(records_, mid * kRecord);
    if (u < uid) lo = mid + 1;
    else if (u > uid) hi = mid;
    else {
      size_t at = mid * kRecord;
      out.uid = uid;
      out.subject = subjects_.substr(get<uint32_t>(records_, at + 4), get<uint32_t>(records_, at + 8));
      out.reply_or_fwd = records_[at + 12] != 0;
      out.sent = static_cast<time_t>(get<int64_t>(records_, at + 16));
      return true;
    }
  }
  return false;
}

Status SortCache::save(const std::string& folder, uint32_t uid_validity, std::span<const SortCacheEntry> entries) {
  std::string out(kMagic, sizeof kMagic), subjects;
  out.reserve(kHeader + entries.size() * (kRecord + 16) + 8);
  put(out, uid_validity);
  put(out, static_cast<uint32_t>(entries.size()));
  for (auto& e : entries) {
    std::string_view s = e.subject.substr(0, kMaxSubject);
    put(out, e.uid);
    put(out, static_cast<uint32_t>(subjects.size()));
    put(out, static_cast<uint32_t>(s.size()));
    put(out, static_cast<uint32_t>(e.reply_or_fwd ? 1 : 0));
    put(out, static_cast<int64_t>(e.sent));
    subjects += s;
  }
  out += subjects;
  put(out, checksum(out));
  return replace_cache_file(folder + kFile, out);
}

}  // namespace posta::mailstore
