#include "backup/store.h"

#include <unistd.h>

#include "base/hex.h"

namespace posta::backup {

namespace {
// the catalog changes a little between runs: smaller chunks let most of it deduplicate
constexpr ChunkSizes kCatalogChunks{16 << 10, 64 << 10, 256 << 10};
}

Result<std::vector<ObjectId>> store_stream(Repository& repo, int fd, uint64_t& size, const ChunkSizes& sizes) {
  std::vector<ObjectId> ids;
  // one buffer for every file, kept with its capacity: a new one a file cost an allocation
  // of two maximal chunks, returned to the kernel and faulted in again, for every message
  thread_local std::string buf;
  buf.clear();
  buf.reserve(3 * sizes.max);  // the most it holds
  size = 0;
  bool eof = false;
  while (!eof || !buf.empty()) {
    // keep at least two maximal chunks in hand so that a cut is never forced by the buffer
    while (!eof && buf.size() < 2 * sizes.max) {
      // resize_and_overwrite: the space read into is not zero-filled first
      // (g++ 12's library passes the operation the new capacity, not the size asked for)
      ssize_t n = 0;
      size_t old = buf.size();
      buf.resize_and_overwrite(old + sizes.max, [&](char* p, size_t) {
        n = ::read(fd, p + old, sizes.max);
        return old + (n > 0 ? size_t(n) : 0);
      });
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return fail_sys("read error");
      size += uint64_t(n);
      if (n == 0) eof = true;
    }
    auto lens = chunk_lengths(buf, sizes);
    size_t keep_last = eof ? 0 : 1;  // the last cut may move when more data comes
    size_t used = 0;
    for (size_t i = 0; i + keep_last < lens.size(); ++i) {
      POSTA_TRY(ObjectId id, repo.put(std::string_view(buf).substr(used, lens[i])));
      ids.push_back(id);
      used += lens[i];
    }
    buf.erase(0, used);
    if (eof && buf.empty()) break;
  }
  return ids;
}

Result<std::vector<ObjectId>> store_bytes(Repository& repo, std::string_view data, const ChunkSizes& sizes) {
  std::vector<ObjectId> ids;
  size_t off = 0;
  for (size_t len : chunk_lengths(data, sizes)) {
    POSTA_TRY(ObjectId id, repo.put(data.substr(off, len)));
    ids.push_back(id);
    off += len;
  }
  return ids;
}

Result<std::string> commit_snapshot(Repository& repo, SnapshotRecord rec, const std::vector<Entry>& entries) {
  POSTA_TRY(rec.catalog, store_bytes(repo, encode_catalog(entries), kCatalogChunks));
  if (auto s = repo.flush(); !s) return std::unexpected(s.error());
  rec.new_bytes = repo.new_bytes();
  POSTA_TRY(std::string rnd, random_bytes(4));
  std::string name = snapshot_name(rec.time, rnd);
  // Names sort by time, and within one second by their suffix: a run in the same second as
  // the newest snapshot takes the suffix after that one's, so that it is the latest.
  POSTA_TRY(auto names, repo.snapshot_names());
  if (!names.empty() && names.back().size() == name.size() && names.back().compare(0, 17, name, 0, 17) == 0 &&
      names.back() >= name) {
    auto last = hex_decode(std::string_view(names.back()).substr(17));
    if (last && last->size() == 4 && *last != std::string(4, '\xff')) {
      std::string next = *last;
      for (size_t i = 4; i-- > 0;)
        if (++next[i] != '\0') break;  // big-endian increment
      name = name.substr(0, 17) + hex_encode(next);
    }
  }
  if (auto s = repo.write_snapshot(name, encode_snapshot(rec)); !s) return std::unexpected(s.error());
  return name;
}

Result<SnapshotRecord> load_record(Repository& repo, const std::string& name) {
  POSTA_TRY(std::string raw, repo.read_snapshot(name));
  auto rec = decode_snapshot(raw);
  if (!rec) return fail("snapshot " + name + ": " + rec.error().what);
  return rec;
}

Result<Snapshot> load_snapshot(Repository& repo, const std::string& name) {
  Snapshot s;
  s.name = name;
  POSTA_TRY(s.record, load_record(repo, name));
  std::string cat;
  for (auto& id : s.record.catalog) {
    POSTA_TRY(std::string part, repo.get(id));
    cat += part;
  }
  auto entries = decode_catalog(cat);
  if (!entries) return fail("snapshot " + name + ": " + entries.error().what);
  s.entries = std::move(*entries);
  return s;
}

Result<std::string> read_entry(Repository& repo, const Entry& e) {
  std::string out;
  out.reserve(e.size);
  for (auto& id : e.chunks) {
    POSTA_TRY(std::string part, repo.get(id));
    out += part;
  }
  if (out.size() != e.size) return fail(e.path + ": stored size differs from the catalog");
  return out;
}

}  // namespace posta::backup
