#include "backup/repo.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "backup/codec.h"
#include "backup/compress.h"
#include "backup/repo_config.h"
#include "base/hex.h"

namespace posta::backup {

namespace {

constexpr std::string_view kPackMagic = "PBPACK1\n", kIndexMagic = "PBIDX1\n";
constexpr size_t kRecordHead = 32 + 4;
constexpr uint64_t kPackTarget = 16 << 20;
// plaintext handed to the sealing threads and not yet written: put() waits beyond it
constexpr size_t kMaxInFlight = 16 << 20;

// Names in dir ending in suffix, without it, sorted; dot files skipped.
Result<std::vector<std::string>> list_dir(const std::string& dir, std::string_view suffix) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return fail_sys("unable to open " + dir);
  std::vector<std::string> out;
  while (auto* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n[0] == '.') continue;
    if (n.size() > suffix.size() && n.ends_with(suffix)) out.push_back(n.substr(0, n.size() - suffix.size()));
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

void put_u32le(std::string& s, uint32_t v) {
  for (int i = 0; i < 4; ++i) s.push_back(char(v >> (8 * i)));
}
uint32_t get_u32le(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

// The associated data that binds a record that is not an object to its name.
ObjectId name_tag(const MasterKey& k, std::string_view kind, std::string_view name) {
  return object_id(k, std::string(kind) + " " + std::string(name));
}

std::string_view id_bytes(const ObjectId& id) { return {reinterpret_cast<const char*>(id.data()), id.size()}; }

// What a killed run left: temporary packs, indexes and records, and its database copies
// (directories). Only a holder of the run lock calls this, so none is in use.
Status remove_temporaries(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return fail_sys("unable to open " + dir);
  std::vector<std::string> left;
  while (auto* e = ::readdir(d))
    if (std::string_view(e->d_name).starts_with(".tmp.")) left.push_back(dir + "/" + e->d_name);
  ::closedir(d);
  std::error_code ec;
  for (auto& p : left) std::filesystem::remove_all(p, ec);
  return {};
}

}  // namespace

Repository::~Repository() = default;

std::string Repository::pack_path(uint32_t pack) const { return dir_ + "/packs/" + packs_[pack] + ".pack"; }

Status Repository::init(const std::string& dir, std::string_view passphrase, const KdfParams& kdf_in) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return fail_sys("unable to create " + dir);
  DIR* d = ::opendir(dir.c_str());
  if (!d) return fail_sys("unable to open " + dir);
  bool empty = true;
  while (auto* e = ::readdir(d))
    if (std::string_view(e->d_name) != "." && std::string_view(e->d_name) != "..") empty = false;
  ::closedir(d);
  if (!empty) return fail(dir + " is not empty", EEXIST);
  for (auto sub : {"/packs", "/index", "/snapshots"})
    if (::mkdir((dir + sub).c_str(), 0700) != 0) return fail_sys("unable to create " + dir + sub);
  KdfParams kdf = kdf_in;
  POSTA_TRY(kdf.salt, random_bytes(16));
  POSTA_TRY(MasterKey key, MasterKey::generate());
  POSTA_TRY(std::string wrapped, wrap_key(key, passphrase, kdf));
  return write_file_atomic(dir + "/config", format_config(RepoConfig{kRepoVersion, kdf, wrapped}), 0600);
}

Result<std::unique_ptr<Repository>> Repository::open(const std::string& dir, std::string_view passphrase,
                                                     bool writable) {
  auto text = read_file(dir + "/config", 1 << 16);
  if (!text) return fail(dir + " is not a posta-backup repository (" + text.error().what + ")", ENOENT);
  POSTA_TRY(RepoConfig c, parse_config(*text));
  std::unique_ptr<Repository> r(new Repository);
  r->dir_ = dir;
  POSTA_TRY(r->key_, unwrap_key(c.wrapped_key, passphrase, c.kdf));
  if (auto s = r->load_indexes(writable); !s) return std::unexpected(s.error());
  return r;
}

Status Repository::change_passphrase(std::string_view passphrase, const KdfParams& kdf_in) {
  KdfParams kdf = kdf_in;
  POSTA_TRY(kdf.salt, random_bytes(16));
  POSTA_TRY(std::string wrapped, wrap_key(key_, passphrase, kdf));
  return write_file_atomic(dir_ + "/config", format_config(RepoConfig{kRepoVersion, kdf, wrapped}), 0600);
}

// Index file: magic, count, then per object its ID (32 bytes), offset and sealed length
// (varints); then HMAC-SHA-256 under the ID key of "index <pack>" and everything before it.
Status Repository::write_index(uint32_t pack, const std::vector<std::pair<ObjectId, Location>>& entries) {
  Encoder e;
  e.raw(kIndexMagic);
  e.u64(entries.size());
  for (auto& [id, l] : entries) {
    e.raw(id_bytes(id));
    e.u64(l.offset);
    e.u64(l.length);
  }
  ObjectId mac = name_tag(key_, "index " + packs_[pack], e.str());
  e.raw(id_bytes(mac));
  return write_file_atomic(dir_ + "/index/" + packs_[pack] + ".idx", e.str(), 0600);
}

Result<std::vector<std::pair<ObjectId, Location>>> Repository::scan_pack(uint32_t pack) {
  POSTA_TRY(int fd, pack_fd(pack));
  struct stat st;
  if (::fstat(fd, &st) != 0) return fail_sys("unable to stat " + pack_path(pack));
  std::vector<std::pair<ObjectId, Location>> out;
  uint64_t off = kPackMagic.size();
  char head[kRecordHead];
  while (off + kRecordHead <= uint64_t(st.st_size)) {
    if (::pread(fd, head, kRecordHead, off) != ssize_t(kRecordHead)) return fail_sys("unable to read " + pack_path(pack));
    ObjectId id;
    std::memcpy(id.data(), head, 32);
    uint32_t len = get_u32le(head + 32);
    if (off + kRecordHead + len > uint64_t(st.st_size)) return fail(pack_path(pack) + ": truncated record");
    out.push_back({id, Location{pack, off + kRecordHead, len}});
    off += kRecordHead + len;
  }
  if (off != uint64_t(st.st_size)) return fail(pack_path(pack) + ": trailing bytes");
  return out;
}

Status Repository::load_indexes(bool writable) {
  if (writable) {
    for (auto sub : {"/packs", "/index", "/snapshots", ""})
      if (auto s = remove_temporaries(dir_ + sub); !s) return s;
  }
  POSTA_TRY(packs_, list_dir(dir_ + "/packs", ".pack"));
  for (uint32_t p = 0; p < packs_.size(); ++p) {
    std::vector<std::pair<ObjectId, Location>> entries;
    bool ok = false;
    if (auto text = read_file(dir_ + "/index/" + packs_[p] + ".idx", 1 << 30); text && text->size() >= 32) {
      std::string_view body(*text);
      body.remove_suffix(32);
      ObjectId mac = name_tag(key_, "index " + packs_[p], body);
      Decoder d(body);
      auto magic = d.raw(kIndexMagic.size());
      auto n = d.u64();
      ok = std::string_view(*text).substr(body.size()) == id_bytes(mac) && magic && *magic == kIndexMagic && n;
      for (uint64_t i = 0; ok && i < *n; ++i) {
        auto id = d.raw(32);
        auto off = id ? d.u64() : Result<uint64_t>(fail(""));
        auto len = off ? d.u64() : Result<uint64_t>(fail(""));
        if (!len) ok = false;
        else {
          ObjectId oid;
          std::memcpy(oid.data(), id->data(), 32);
          entries.push_back({oid, Location{p, *off, uint32_t(*len)}});
        }
      }
      ok = ok && d.done();
    }
    if (!ok) {
      // no index (a run stopped between pack and index) or a damaged one: the pack's record
      // headers say the same
      entries.clear();
      POSTA_TRY(entries, scan_pack(p));
      if (writable)
        if (auto s = write_index(p, entries); !s) return s;
    }
    for (auto& [id, l] : entries) where_.emplace(id, l);
  }
  return {};
}

Result<int> Repository::pack_fd(uint32_t pack) {
  if (auto it = open_packs_.find(pack); it != open_packs_.end()) return it->second.get();
  if (open_packs_.size() > 64) open_packs_.clear();
  POSTA_TRY(Fd fd, open_fd(pack_path(pack), O_RDONLY));
  int raw = fd.get();
  open_packs_.emplace(pack, std::move(fd));
  return raw;
}

Status Repository::start_pack() {
  POSTA_TRY(TempFile t, TempFile::create(dir_ + "/packs", 0600));
  cur_ = std::make_unique<TempFile>(std::move(t));
  POSTA_TRY(std::string rnd, random_bytes(16));
  packs_.push_back(hex_encode(rnd));
  cur_pack_ = uint32_t(packs_.size() - 1);
  cur_size_ = kPackMagic.size();
  cur_entries_.clear();
  return write_all(cur_->fd(), kPackMagic);
}

Result<ObjectId> Repository::put(std::string_view plaintext) {
  ObjectId id = object_id(key_, plaintext);
  if (has(id)) return id;
  if (!sealer_) sealer_ = std::make_unique<SealPipeline>(key_, SealPipeline::default_workers());
  sealer_->submit(id, std::string(plaintext));
  pending_.insert(id);
  if (auto s = write_sealed(false); !s) return std::unexpected(s.error());
  while (sealer_->pending_bytes() > kMaxInFlight)
    if (auto s = write_sealed(true, 1); !s) return std::unexpected(s.error());
  return id;
}

Status Repository::write_sealed(bool wait, size_t most) {
  for (size_t n = 0; sealer_ && n < most; ++n) {
    auto done = sealer_->next(wait);
    if (!done) break;
    pending_.erase(done->id);
    if (!done->sealed) return std::unexpected(done->sealed.error());
    POSTA_TRY(size_t written, append_record(done->id, *done->sealed));
    new_bytes_ += written;
  }
  return {};
}

Result<size_t> Repository::append_record(const ObjectId& id, std::string_view sealed) {
  if (!cur_)
    if (auto s = start_pack(); !s) return std::unexpected(s.error());
  std::string rec(id_bytes(id));
  put_u32le(rec, uint32_t(sealed.size()));
  rec += sealed;
  if (auto s = write_all(cur_->fd(), rec); !s) return fail("unable to write " + dir_ + "/packs: " + s.error().what, s.error().code);
  Location l{cur_pack_, cur_size_ + kRecordHead, uint32_t(sealed.size())};
  cur_entries_.push_back({id, l});
  where_[id] = l;
  cur_size_ += rec.size();
  if (cur_size_ >= kPackTarget)
    if (auto s = commit_pack(); !s) return std::unexpected(s.error());
  return rec.size();
}

Status Repository::flush() {
  if (auto s = write_sealed(true); !s) return s;
  return commit_pack();
}

Status Repository::commit_pack() {
  if (!cur_) return {};
  std::unique_ptr<TempFile> t = std::move(cur_);
  if (auto s = t->commit(pack_path(cur_pack_)); !s) {
    for (auto& [id, l] : cur_entries_) where_.erase(id);
    return s;
  }
  return write_index(cur_pack_, cur_entries_);
}

Result<std::string> Repository::read_sealed(const Location& l) {
  POSTA_TRY(int fd, pack_fd(l.pack));
  std::string buf(l.length, '\0');
  ssize_t n = ::pread(fd, buf.data(), buf.size(), l.offset);
  if (n != ssize_t(buf.size())) return fail("short read in " + pack_path(l.pack));
  return buf;
}

Result<std::string> Repository::get(const ObjectId& id) {
  // an object not yet written, or in the pack being written (open for writing only): the
  // pack is completed first
  auto it = where_.find(id);
  if (pending_.count(id) || (cur_ && it != where_.end() && it->second.pack == cur_pack_)) {
    if (auto s = flush(); !s) return std::unexpected(s.error());
    it = where_.find(id);
  }
  if (it == where_.end()) return fail("object " + id_hex(id) + " is missing", ENOENT);
  POSTA_TRY(std::string sealed, read_sealed(it->second));
  auto stored = unseal(key_, id, sealed);
  if (!stored) return fail("object " + id_hex(id) + " in pack " + packs_[it->second.pack] + " is damaged: " + stored.error().what, EBADMSG);
  auto plain = unpack_payload(*stored, kMaxObject);
  if (!plain || object_id(key_, *plain) != id)
    return fail("object " + id_hex(id) + " in pack " + packs_[it->second.pack] + " is damaged: content does not match its ID", EBADMSG);
  return std::move(*plain);
}

uint64_t Repository::stored_bytes() const {
  uint64_t n = 0;
  for (auto& [id, l] : where_) n += l.length + kRecordHead;
  return n;
}

Result<std::vector<Damage>> Repository::verify(const std::function<void(uint64_t)>& progress) {
  std::vector<Damage> damage;
  uint64_t done = 0;
  for (uint32_t p = 0; p < packs_.size(); ++p) {
    auto entries = scan_pack(p);
    if (!entries) {
      damage.push_back({packs_[p], "", entries.error().what});
      continue;
    }
    for (auto& [id, l] : *entries) {
      auto it = where_.find(id);
      if (it != where_.end() && it->second.pack == p && it->second.offset != l.offset)
        damage.push_back({packs_[p], id_hex(id), "the index points elsewhere in the pack"});
      auto sealed = read_sealed(l);
      auto stored = sealed ? unseal(key_, id, *sealed) : Result<std::string>(std::unexpected(sealed.error()));
      auto plain = stored ? unpack_payload(*stored, kMaxObject) : stored;
      if (!plain) damage.push_back({packs_[p], id_hex(id), plain.error().what});
      else if (object_id(key_, *plain) != id) damage.push_back({packs_[p], id_hex(id), "content does not match its ID"});
      done += l.length;
      if (progress) progress(done);
    }
  }
  return damage;
}

Result<uint64_t> Repository::compact(const std::unordered_map<ObjectId, bool, IdHash>& live) {
  std::vector<uint32_t> dead_packs;
  std::vector<uint64_t> counts(packs_.size(), 0), live_counts(packs_.size(), 0);
  for (auto& [id, l] : where_) {
    counts[l.pack]++;
    if (live.count(id)) live_counts[l.pack]++;
  }
  for (uint32_t p = 0; p < packs_.size(); ++p)
    if (live_counts[p] < counts[p]) dead_packs.push_back(p);
  if (dead_packs.empty()) return 0;
  std::unordered_map<uint32_t, bool> rewrite;
  for (auto p : dead_packs) rewrite[p] = true;
  // copy the live objects of those packs into new packs (sealed bytes as they are)
  std::vector<std::pair<ObjectId, Location>> moving;
  for (auto& [id, l] : where_)
    if (rewrite.count(l.pack) && live.count(id)) moving.push_back({id, l});
  std::sort(moving.begin(), moving.end(), [](auto& a, auto& b) {
    return a.second.pack != b.second.pack ? a.second.pack < b.second.pack : a.second.offset < b.second.offset;
  });
  for (auto& [id, l] : moving) {
    POSTA_TRY(std::string sealed, read_sealed(l));
    if (auto s = append_record(id, sealed); !s) return std::unexpected(s.error());
  }
  if (auto s = flush(); !s) return std::unexpected(s.error());
  // only now, with the copies durable, the old packs go (index first: a pack without an
  // index is scanned again, an index without a pack would point at nothing)
  uint64_t freed = 0;
  for (auto p : dead_packs) {
    struct stat st;
    if (::stat(pack_path(p).c_str(), &st) == 0) freed += st.st_size;
    open_packs_.erase(p);
    ::unlink((dir_ + "/index/" + packs_[p] + ".idx").c_str());
    if (::unlink(pack_path(p).c_str()) != 0) return fail_sys("unable to remove " + pack_path(p));
  }
  for (auto it = where_.begin(); it != where_.end();)
    it = rewrite.count(it->second.pack) ? where_.erase(it) : std::next(it);
  if (auto s = fsync_dir(dir_ + "/index"); !s) return std::unexpected(s.error());
  if (auto s = fsync_dir(dir_ + "/packs"); !s) return std::unexpected(s.error());
  return freed;
}

Result<std::vector<std::string>> Repository::snapshot_names() const { return list_dir(dir_ + "/snapshots", ""); }

Status Repository::write_snapshot(const std::string& name, std::string_view record) {
  POSTA_TRY(std::string sealed, seal(key_, name_tag(key_, "snapshot", name), record));
  return write_file_atomic(dir_ + "/snapshots/" + name, sealed, 0600);
}

Result<std::string> Repository::read_snapshot(const std::string& name) const {
  POSTA_TRY(std::string sealed, read_file(dir_ + "/snapshots/" + name, 64 << 20));
  auto plain = unseal(key_, name_tag(key_, "snapshot", name), sealed);
  if (!plain) return fail("snapshot " + name + " is damaged: " + plain.error().what, EBADMSG);
  return plain;
}

Status Repository::remove_snapshot(const std::string& name) {
  if (::unlink((dir_ + "/snapshots/" + name).c_str()) != 0) return fail_sys("unable to remove snapshot " + name);
  return fsync_dir(dir_ + "/snapshots");
}

}  // namespace posta::backup
