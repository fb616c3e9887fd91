// A backup repository in a local directory (INTERNALS.md "Backup repository"):
//   config            format version, scrypt parameters, the wrapped master key
//   packs/<name>.pack objects, appended while a pack is being written, never changed after
//   index/<name>.idx  where each object of that pack is; written after its pack is durable
//   snapshots/<name>  one sealed record per snapshot; written last
//   lock, run.lock    flock(2) files (RepoLock, lock.h)
// An object is stored once: its ID is the HMAC of its plaintext.
#pragma once
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "backup/crypto.h"
#include "backup/lock.h"
#include "backup/seal_pipeline.h"
#include "base/error.h"
#include "io/fd.h"

namespace posta::backup {

constexpr int kRepoVersion = 1;
constexpr size_t kMaxObject = 16 << 20;  // the largest plaintext of one object

struct IdHash {
  size_t operator()(const ObjectId& id) const noexcept {
    size_t h;
    std::memcpy(&h, id.data(), sizeof h);
    return h;
  }
};

struct Location {
  uint32_t pack = 0;  // index into Repository's pack names
  uint64_t offset = 0;
  uint32_t length = 0;  // of the sealed bytes
};

// What verify() found wrong with one object.
struct Damage {
  std::string pack;
  std::string object;  // hex ID
  std::string what;
};

class Repository {
 public:
  // Creates dir (which must be missing or empty) with a new master key.
  [[nodiscard]] static Status init(const std::string& dir, std::string_view passphrase,
                                   const KdfParams& kdf);
  // Opens and unlocks the key; loads every index. writable: also rebuilds the index of a
  // pack that has none (a run killed between the two) and removes leftover temporary files;
  // callers hold RepoLock's writer lock.
  [[nodiscard]] static Result<std::unique_ptr<Repository>> open(const std::string& dir,
                                                                std::string_view passphrase, bool writable);
  ~Repository();

  const std::string& dir() const { return dir_; }
  const MasterKey& key() const { return key_; }

  // Stores plaintext (compressed, sealed) unless an object with its ID exists; new_bytes
  // grows by the sealed size of what was written. Compression and sealing run on worker
  // threads (SealPipeline): an object is in a pack once flush() returns, and an error of
  // one object may be returned by a later put() or by flush().
  [[nodiscard]] Result<ObjectId> put(std::string_view plaintext);
  bool has(const ObjectId& id) const { return where_.count(id) != 0 || pending_.count(id) != 0; }
  // Reads, authenticates and decompresses an object; the error names it.
  [[nodiscard]] Result<std::string> get(const ObjectId& id);
  // Makes everything put() so far durable: the open pack is synced and renamed, then its
  // index is written and synced.
  [[nodiscard]] Status flush();
  uint64_t new_bytes() const { return new_bytes_; }

  [[nodiscard]] Status change_passphrase(std::string_view passphrase, const KdfParams& kdf);

  // Snapshot records: name -> sealed bytes under the master key.
  [[nodiscard]] Result<std::vector<std::string>> snapshot_names() const;  // sorted, oldest first
  [[nodiscard]] Status write_snapshot(const std::string& name, std::string_view record);
  [[nodiscard]] Result<std::string> read_snapshot(const std::string& name) const;
  [[nodiscard]] Status remove_snapshot(const std::string& name);

  // Reads back every object of every pack; damage lists what failed. progress gets the
  // sealed bytes checked so far.
  [[nodiscard]] Result<std::vector<Damage>> verify(const std::function<void(uint64_t)>& progress = {});

  // Rewrites the packs that hold objects outside live: their live objects go into new packs,
  // then the old packs and indexes are removed. Returns the bytes freed.
  [[nodiscard]] Result<uint64_t> compact(const std::unordered_map<ObjectId, bool, IdHash>& live);

  size_t object_count() const { return where_.size(); }
  uint64_t stored_bytes() const;

 private:
  Repository() = default;
  [[nodiscard]] Status load_indexes(bool writable);
  [[nodiscard]] Status start_pack();
  // Writes the objects the sealing threads have done, in the order they were put (wait: all
  // of them, waiting for each; most: at most that many).
  [[nodiscard]] Status write_sealed(bool wait, size_t most = SIZE_MAX);
  // Appends one sealed object to the open pack (started if none is), commits the pack once
  // it is full; returns the bytes written.
  [[nodiscard]] Result<size_t> append_record(const ObjectId& id, std::string_view sealed);
  // Makes the open pack durable and writes its index.
  [[nodiscard]] Status commit_pack();
  [[nodiscard]] Result<std::string> read_sealed(const Location& l);
  [[nodiscard]] Result<std::vector<std::pair<ObjectId, Location>>> scan_pack(uint32_t pack);
  [[nodiscard]] Status write_index(uint32_t pack, const std::vector<std::pair<ObjectId, Location>>& entries);
  [[nodiscard]] Result<int> pack_fd(uint32_t pack);
  std::string pack_path(uint32_t pack) const;

  std::string dir_;
  MasterKey key_;
  std::vector<std::string> packs_;  // names
  std::unordered_map<ObjectId, Location, IdHash> where_;
  std::unordered_map<uint32_t, Fd> open_packs_;
  // the pack being written
  std::unique_ptr<TempFile> cur_;
  uint32_t cur_pack_ = 0;
  uint64_t cur_size_ = 0;
  std::vector<std::pair<ObjectId, Location>> cur_entries_;
  uint64_t new_bytes_ = 0;
  // objects put() and not yet written; sealer_ is declared last, so that its threads stop
  // before anything they use goes
  std::unordered_set<ObjectId, IdHash> pending_;
  std::unique_ptr<SealPipeline> sealer_;
};

}  // namespace posta::backup
