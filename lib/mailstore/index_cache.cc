#include "mailstore/index_cache.h"

#include <fcntl.h>
#include <malloc.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "io/fd.h"
#include "mailstore/names.h"

namespace posta::mailstore {
namespace {

constexpr const char* kCache = "/posta-index.cache";
constexpr char kMagic[8] = {'P', 'I', 'D', 'X', '0', '0', '0', '1'};
constexpr size_t kMaxCache = 1u << 30;

template <typename T>
void put(std::string& out, T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out.append(b, sizeof(T));
}

// Reads fixed-size values from a byte string; any overrun sets failed.
struct Reader {
  std::string_view data;
  size_t pos = 0;
  bool failed = false;
  template <typename T>
  T get() {
    T v{};
    if (pos + sizeof(T) > data.size()) { failed = true; return v; }
    std::memcpy(&v, data.data() + pos, sizeof(T));
    pos += sizeof(T);
    return v;
  }
  std::string_view bytes(size_t n) {
    if (pos + n > data.size()) { failed = true; return {}; }
    auto s = data.substr(pos, n);
    pos += n;
    return s;
  }
};

void put_stamp(std::string& out, const Stamp& s) {
  put(out, s.new_sec), put(out, s.new_nsec), put(out, s.cur_sec), put(out, s.cur_nsec);
  put(out, s.uidlist_ino), put(out, s.uidlist_size);
}

Stamp get_stamp(Reader& r) {
  Stamp s;
  s.new_sec = r.get<int64_t>(), s.new_nsec = r.get<int64_t>();
  s.cur_sec = r.get<int64_t>(), s.cur_nsec = r.get<int64_t>();
  s.uidlist_ino = r.get<uint64_t>(), s.uidlist_size = r.get<uint64_t>();
  return s;
}

bool valid_filename(std::string_view f) {
  if (f.size() < 5 || (f.substr(0, 4) != "new/" && f.substr(0, 4) != "cur/")) return false;
  return f.find('/', 4) == std::string_view::npos && f.find('\0') == std::string_view::npos;
}

// The cache file mapped read-only: no copy into a buffer and no zeroing of one (both showed
// up in SELECT of a 100,000-message folder on these VMs, where page faults are expensive).
class Mapped {
 public:
  explicit Mapped(const std::string& path) {
    auto fd = open_fd(path, O_RDONLY);
    struct stat st{};
    if (!fd || ::fstat(fd->get(), &st) != 0 || st.st_size <= 0 || static_cast<uint64_t>(st.st_size) > kMaxCache) return;
    void* p = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd->get(), 0);
    if (p == MAP_FAILED) return;
    data_ = std::string_view(static_cast<const char*>(p), static_cast<size_t>(st.st_size));
  }
  ~Mapped() {
    if (!data_.empty()) ::munmap(const_cast<char*>(data_.data()), data_.size());
  }
  Mapped(const Mapped&) = delete;
  Mapped& operator=(const Mapped&) = delete;
  std::string_view data() const { return data_; }

 private:
  std::string_view data_;
};

// Faults in the pages of a fresh large allocation with one madvise() instead of a page fault
// per 4 KB page as it is filled: on the VMs we run on a fault costs tens of microseconds, and
// 100,000 MessageInfo are 3,000 pages. Huge pages where the kernel allows them.
void prefault(void* p, size_t bytes) {
  uintptr_t page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  uintptr_t lo = (reinterpret_cast<uintptr_t>(p) + page - 1) & ~(page - 1);
  uintptr_t hi = (reinterpret_cast<uintptr_t>(p) + bytes) & ~(page - 1);
  if (hi <= lo) return;
  (void)::madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_HUGEPAGE);
  (void)::madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_POPULATE_WRITE);
}

// The same for the many small strings (file names) about to be allocated: grows malloc's
// heap by bytes in one block, faults it in, and frees it again, so that the strings are
// carved from pages that are already there. malloc must take the block from the heap (not
// mmap) and keep it after the free, hence the two thresholds.
void prefault_heap(size_t bytes) {
  constexpr size_t kMaxBlock = 30u << 20;  // below glibc's largest mmap threshold (32 MB)
  bytes = std::min(bytes, kMaxBlock);
  if (bytes < (1u << 20)) return;
  (void)::mallopt(M_MMAP_THRESHOLD, static_cast<int>(bytes + (1u << 20)));
  (void)::mallopt(M_TRIM_THRESHOLD, static_cast<int>(2 * bytes));
  void* block = std::malloc(bytes);
  if (!block) return;
  prefault(block, bytes);
  std::free(block);
}

}  // namespace

uint64_t checksum(std::string_view data, uint64_t h) {
  // FNV-1a over 8-byte words (bytes are eight times slower on a 6 MB cache).
  size_t i = 0;
  for (; i + 8 <= data.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, data.data() + i, 8);
    h = (h ^ w) * 0x100000001b3ull;
    h ^= h >> 29;
  }
  for (; i < data.size(); ++i) h = (h ^ static_cast<unsigned char>(data[i])) * 0x100000001b3ull;
  return h;
}

Result<Stamp> dirs_stamp(const std::string& folder) {
  struct stat n{}, c{};
  if (::stat((folder + "/new").c_str(), &n) != 0 || ::stat((folder + "/cur").c_str(), &c) != 0)
    return fail_sys("unable to stat " + folder);
  Stamp s;
  s.new_sec = n.st_mtim.tv_sec, s.new_nsec = n.st_mtim.tv_nsec;
  s.cur_sec = c.st_mtim.tv_sec, s.cur_nsec = c.st_mtim.tv_nsec;
  return s;
}

Status add_uidlist_stamp(const std::string& folder, Stamp& s) {
  struct stat u{};
  if (::stat((folder + "/posta-uidlist").c_str(), &u) != 0) return fail_sys("unable to stat uidlist");
  s.uidlist_ino = u.st_ino;
  s.uidlist_size = static_cast<uint64_t>(u.st_size);
  return {};
}

Result<Stamp> current_stamp(const std::string& folder) {
  auto s = dirs_stamp(folder);
  if (!s) return s;
  if (auto u = add_uidlist_stamp(folder, *s); !u) return std::unexpected(u.error());
  return s;
}

bool settled(const Stamp& s, time_t scan_start) {
  return s.new_sec + 1 < scan_start && s.cur_sec + 1 < scan_start;
}

std::optional<IndexSnapshot> load_index_cache(const std::string& folder) {
  Mapped file(folder + kCache);
  std::string_view data = file.data();
  if (data.size() < sizeof kMagic + 8) return std::nullopt;
  std::string_view body = data.substr(0, data.size() - 8);
  uint64_t sum = 0;
  std::memcpy(&sum, data.data() + body.size(), 8);
  if (std::memcmp(body.data(), kMagic, sizeof kMagic) != 0 || checksum(body) != sum) return std::nullopt;
  Reader r{body, sizeof kMagic};
  IndexSnapshot snap;
  snap.uid_validity = r.get<uint32_t>();
  snap.uid_next = r.get<uint32_t>();
  snap.stamp = get_stamp(r);
  uint32_t count = r.get<uint32_t>();
  if (r.failed || count > body.size() / 22) return std::nullopt;
  snap.messages.reserve(count);
  prefault(snap.messages.data(), count * sizeof(MessageInfo));
  // base and filename of each: malloc chunks of the name length plus a NUL, rounded up to
  // 16 bytes with 8 of overhead; each record holds 22 bytes besides its name
  size_t names = body.size() - std::min(body.size(), count * size_t{22});
  prefault_heap(2 * names + count * size_t{48});
  uint32_t last_uid = 0;
  for (uint32_t i = 0; i < count; ++i) {
    MessageInfo m;
    m.uid = r.get<uint32_t>();
    m.size = r.get<uint64_t>();
    m.vsize = r.get<uint64_t>();
    std::string_view name = r.bytes(r.get<uint16_t>());
    if (r.failed || m.uid <= last_uid || m.uid >= snap.uid_next || !valid_filename(name)) return std::nullopt;
    last_uid = m.uid;
    NameInfo ni = parse_file_name(name.substr(4));
    m.base = std::move(ni.base);
    m.flags = std::move(ni.flags);
    m.filename = std::string(name);
    snap.messages.push_back(std::move(m));
  }
  if (r.pos != body.size() || snap.uid_validity == 0) return std::nullopt;
  return snap;
}

Status save_index_cache(const std::string& folder, uint32_t uid_validity, uint32_t uid_next,
                        const Stamp& stamp, const std::vector<MessageInfo>& messages) {
  std::string out(kMagic, sizeof kMagic);
  out.reserve(64 + messages.size() * 80);
  put(out, uid_validity), put(out, uid_next);
  put_stamp(out, stamp);
  put(out, static_cast<uint32_t>(messages.size()));
  for (auto& m : messages) {
    put(out, m.uid), put(out, m.size), put(out, m.vsize);
    put(out, static_cast<uint16_t>(m.filename.size()));
    out += m.filename;
  }
  put(out, checksum(out));
  std::string tmp = folder + kCache + ".tmp" + std::to_string(::getpid());
  auto fd = open_fd(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (!fd) return std::unexpected(fd.error());
  auto s = write_all(fd->get(), out);
  if (s && ::rename(tmp.c_str(), (folder + kCache).c_str()) != 0) s = fail_sys("unable to rename " + tmp);
  if (!s) ::unlink(tmp.c_str());
  return s;
}

}  // namespace posta::mailstore
