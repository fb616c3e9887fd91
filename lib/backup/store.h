// Files and snapshots in a Repository: a file's content becomes content-defined chunks,
// each an object; a snapshot's catalog is stored the same way, then its record is written.
#pragma once
#include <string>
#include <vector>

#include "backup/catalog.h"
#include "backup/chunker.h"
#include "backup/repo.h"

namespace posta::backup {

// Stores what fd holds from its current offset to its end; returns the chunks in order and
// the bytes read.
[[nodiscard]] Result<std::vector<ObjectId>> store_stream(Repository& repo, int fd, uint64_t& size,
                                                         const ChunkSizes& sizes = {});
[[nodiscard]] Result<std::vector<ObjectId>> store_bytes(Repository& repo, std::string_view data,
                                                        const ChunkSizes& sizes = {});

// Writes every chunk of the catalog, flushes the repository (packs and indexes durable),
// then writes the snapshot record: a snapshot exists only once everything it names does.
// Returns the snapshot's name.
[[nodiscard]] Result<std::string> commit_snapshot(Repository& repo, SnapshotRecord rec,
                                                  const std::vector<Entry>& entries);

struct Snapshot {
  std::string name;
  SnapshotRecord record;
  std::vector<Entry> entries;
};
[[nodiscard]] Result<SnapshotRecord> load_record(Repository& repo, const std::string& name);
[[nodiscard]] Result<Snapshot> load_snapshot(Repository& repo, const std::string& name);

// The content of a stored file (every chunk authenticated).
[[nodiscard]] Result<std::string> read_entry(Repository& repo, const Entry& e);

}  // namespace posta::backup
