// A snapshot: its record (time, host, statistics, where its catalog is) and its catalog,
// the list of every file it holds (INTERNALS.md "Backup repository").
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "backup/crypto.h"
#include "base/error.h"

namespace posta::backup {

enum class EntryType : uint8_t { kFile = 0, kDir = 1, kSymlink = 2 };

struct Entry {
  std::string path;  // relative to the instance: "mail/example.test/bob/cur/1700.M1P2.h:2,S"
  EntryType type = EntryType::kFile;
  uint32_t mode = 0;        // permission bits
  int64_t mtime_ns = 0;
  uint64_t size = 0;
  uint64_t inode = 0;       // to recognise an unchanged (perhaps renamed) file in the next run
  std::string message_id;   // of a Maildir message, without angle brackets; else empty
  std::string target;       // of a symlink
  std::vector<ObjectId> chunks;
};

struct SnapshotRecord {
  int64_t time = 0;  // seconds since the epoch, when the run started
  std::string host;
  uint64_t files = 0, bytes = 0, new_bytes = 0;
  std::vector<std::string> users;  // "user@domain" with a Maildir in the snapshot
  std::vector<ObjectId> catalog;   // objects whose concatenation is the encoded catalog
};

std::string encode_catalog(const std::vector<Entry>& entries);
[[nodiscard]] Result<std::vector<Entry>> decode_catalog(std::string_view data);
std::string encode_snapshot(const SnapshotRecord& s);
[[nodiscard]] Result<SnapshotRecord> decode_snapshot(std::string_view data);

// "20261207T133000Z-<8 hex>": sorts by time
std::string snapshot_name(int64_t time, std::string_view random4);
// the time in a snapshot name, or -1
int64_t snapshot_name_time(std::string_view name);

}  // namespace posta::backup
