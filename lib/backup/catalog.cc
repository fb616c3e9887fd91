#include "backup/catalog.h"

#include <ctime>
#include <cstring>

#include "backup/codec.h"
#include "base/hex.h"

namespace posta::backup {

namespace {

constexpr std::string_view kCatalogMagic = "PBCAT1", kSnapshotMagic = "PBSNAP1";

void put_id(Encoder& e, const ObjectId& id) { e.raw({reinterpret_cast<const char*>(id.data()), id.size()}); }

Result<ObjectId> get_id(Decoder& d) {
  POSTA_TRY(auto raw, d.raw(32));
  ObjectId id;
  std::memcpy(id.data(), raw.data(), 32);
  return id;
}

Result<std::vector<ObjectId>> get_ids(Decoder& d) {
  POSTA_TRY(uint64_t n, d.u64());
  std::vector<ObjectId> ids;
  for (uint64_t i = 0; i < n; ++i) {
    POSTA_TRY(ObjectId id, get_id(d));
    ids.push_back(id);
  }
  return ids;
}

void put_ids(Encoder& e, const std::vector<ObjectId>& ids) {
  e.u64(ids.size());
  for (auto& id : ids) put_id(e, id);
}

// signed as zigzag
uint64_t zz(int64_t v) { return (uint64_t(v) << 1) ^ uint64_t(v >> 63); }
int64_t unzz(uint64_t v) { return int64_t(v >> 1) ^ -int64_t(v & 1); }

}  // namespace

std::string encode_catalog(const std::vector<Entry>& entries) {
  Encoder e;
  e.bytes(kCatalogMagic);
  e.u64(entries.size());
  for (auto& x : entries) {
    e.bytes(x.path);
    e.u64(uint64_t(x.type));
    e.u64(x.mode);
    e.u64(zz(x.mtime_ns));
    e.u64(x.size);
    e.u64(x.inode);
    e.bytes(x.message_id);
    e.bytes(x.target);
    put_ids(e, x.chunks);
  }
  return std::move(e.str());
}

Result<std::vector<Entry>> decode_catalog(std::string_view data) {
  Decoder d(data);
  POSTA_TRY(auto magic, d.bytes());
  if (magic != kCatalogMagic) return fail("not a catalog");
  POSTA_TRY(uint64_t n, d.u64());
  std::vector<Entry> out;
  out.reserve(std::min<uint64_t>(n, 1 << 20));
  for (uint64_t i = 0; i < n; ++i) {
    Entry x;
    POSTA_TRY(auto path, d.bytes());
    x.path = path;
    POSTA_TRY(uint64_t type, d.u64());
    if (type > 2) return fail("catalog: unknown entry type");
    x.type = EntryType(type);
    POSTA_TRY(uint64_t mode, d.u64());
    x.mode = uint32_t(mode);
    POSTA_TRY(uint64_t mt, d.u64());
    x.mtime_ns = unzz(mt);
    POSTA_TRY(x.size, d.u64());
    POSTA_TRY(x.inode, d.u64());
    POSTA_TRY(auto mid, d.bytes());
    x.message_id = mid;
    POSTA_TRY(auto target, d.bytes());
    x.target = target;
    POSTA_TRY(x.chunks, get_ids(d));
    out.push_back(std::move(x));
  }
  if (auto s = d.finish(); !s) return std::unexpected(s.error());
  return out;
}

std::string encode_snapshot(const SnapshotRecord& s) {
  Encoder e;
  e.bytes(kSnapshotMagic);
  e.u64(zz(s.time));
  e.bytes(s.host);
  e.u64(s.files);
  e.u64(s.bytes);
  e.u64(s.new_bytes);
  e.u64(s.users.size());
  for (auto& u : s.users) e.bytes(u);
  put_ids(e, s.catalog);
  return std::move(e.str());
}

Result<SnapshotRecord> decode_snapshot(std::string_view data) {
  Decoder d(data);
  SnapshotRecord s;
  POSTA_TRY(auto magic, d.bytes());
  if (magic != kSnapshotMagic) return fail("not a snapshot record");
  POSTA_TRY(uint64_t t, d.u64());
  s.time = unzz(t);
  POSTA_TRY(auto host, d.bytes());
  s.host = host;
  POSTA_TRY(s.files, d.u64());
  POSTA_TRY(s.bytes, d.u64());
  POSTA_TRY(s.new_bytes, d.u64());
  POSTA_TRY(uint64_t nu, d.u64());
  for (uint64_t i = 0; i < nu; ++i) {
    POSTA_TRY(auto u, d.bytes());
    s.users.emplace_back(u);
  }
  POSTA_TRY(s.catalog, get_ids(d));
  if (auto st = d.finish(); !st) return std::unexpected(st.error());
  return s;
}

std::string snapshot_name(int64_t time, std::string_view random4) {
  time_t t = time;
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[32];
  strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return std::string(buf) + "-" + hex_encode(random4);
}

int64_t snapshot_name_time(std::string_view name) {
  if (name.size() < 16) return -1;
  struct tm tm {};
  std::string head(name.substr(0, 16));
  if (!strptime(head.c_str(), "%Y%m%dT%H%M%SZ", &tm)) return -1;
  return timegm(&tm);
}

}  // namespace posta::backup
