#include "mailstore/index_cache.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "io/fd.h"
#include "mailstore/names.h"

namespace posta::mailstore {
namespace {

constexpr const char* kCache = "/posta-index.cache";
constexpr char kMagic[8] = {'P', 'I', 'D', 'X', '0', '0', '0', '3'};
constexpr size_t kMaxCache = 1u << 30;
constexpr size_t kHeader = 88;  // a multiple of 8: the records that follow are aligned

template <typename T>
void put(std::string& out, T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out.append(b, sizeof(T));
}

template <typename T>
T get(std::string_view data, size_t& pos) {
  T v{};
  std::memcpy(&v, data.data() + pos, sizeof(T));
  pos += sizeof(T);
  return v;
}

// A record that the rest of the code may trust: its name inside the name area, "new/" or
// "cur/" as new_dir says, one path component, a base no longer than the name.
bool valid_record(const MessageInfo& m, std::string_view names) {
  if (m.name_area != 0 || m.reserved != 0 || m.new_dir > 1 || m.name_len < 5 ||
      m.base_len == 0 || m.base_len > m.name_len - 4 || (m.flags_set >> 52) != 0 ||
      m.modseq == 0 || m.name_off > names.size() || m.name_len > names.size() - m.name_off)
    return false;
  std::string_view name = names.substr(m.name_off, m.name_len);
  if (name.substr(0, 4) != (m.new_dir ? "new/" : "cur/")) return false;
  name.remove_prefix(4);
  return name[0] != '.' && std::memchr(name.data(), '/', name.size()) == nullptr &&
         std::memchr(name.data(), '\0', name.size()) == nullptr;
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

MappedFile::MappedFile(const std::string& path, uint64_t from) {
  auto fd = open_fd(path, O_RDONLY);
  struct stat st{};
  if (!fd || ::fstat(fd->get(), &st) != 0) return;
  ino = st.st_ino;
  size = static_cast<uint64_t>(st.st_size);
  uint64_t start = from & ~(static_cast<uint64_t>(::sysconf(_SC_PAGESIZE)) - 1);
  if (size <= from || size - start > kMaxCache) return;
  size_t len = static_cast<size_t>(size - start);
  void* p = ::mmap(nullptr, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd->get(), static_cast<off_t>(start));
  if (p == MAP_FAILED) return;
  map_ = p, map_len_ = len;
  data = std::string_view(static_cast<const char*>(p) + (from - start), static_cast<size_t>(size - from));
}

MappedFile::~MappedFile() {
  if (map_) ::munmap(map_, map_len_);
}

std::optional<IndexSnapshot> load_index_cache(const std::string& folder) {
  auto file = std::make_shared<const MappedFile>(folder + kCache);
  std::string_view data = file->data;
  if (data.size() < kHeader + 8) return std::nullopt;
  std::string_view body = data.substr(0, data.size() - 8);
  uint64_t sum = 0;
  std::memcpy(&sum, data.data() + body.size(), 8);
  if (std::memcmp(body.data(), kMagic, sizeof kMagic) != 0 || checksum(body) != sum) return std::nullopt;
  size_t pos = sizeof kMagic;
  IndexSnapshot snap;
  snap.uid_validity = get<uint32_t>(body, pos);
  snap.uid_next = get<uint32_t>(body, pos);
  snap.highest_modseq = get<uint64_t>(body, pos);
  snap.stamp = get<Stamp>(body, pos);
  uint32_t count = get<uint32_t>(body, pos);
  uint32_t record_size = get<uint32_t>(body, pos);
  uint64_t names_size = get<uint64_t>(body, pos);
  if (pos != kHeader || record_size != sizeof(MessageInfo) || snap.uid_validity == 0 ||
      count > (body.size() - kHeader) / sizeof(MessageInfo) ||
      body.size() - kHeader - count * sizeof(MessageInfo) != names_size)
    return std::nullopt;
  // The mapping is page-aligned and kHeader a multiple of 8: the records are aligned
  // MessageInfo objects (trivially copyable, written from such objects by save_index_cache).
  snap.records = {reinterpret_cast<const MessageInfo*>(body.data() + kHeader), count};
  snap.names = body.substr(kHeader + count * size_t{sizeof(MessageInfo)});
  uint32_t last_uid = 0;
  for (const MessageInfo& m : snap.records) {
    if (m.uid <= last_uid || m.uid >= snap.uid_next || m.modseq > snap.highest_modseq ||
        !valid_record(m, snap.names))
      return std::nullopt;
    last_uid = m.uid;
  }
  snap.file = std::move(file);
  return snap;
}

Status save_index_cache(const std::string& folder, const MailboxIndex& index, const Stamp& stamp) {
  auto records = index.messages();
  std::string names;
  names.reserve(records.size() * 48);
  std::string out(kMagic, sizeof kMagic);
  out.reserve(kHeader + records.size() * (sizeof(MessageInfo) + 48) + 8);
  put(out, index.uid_validity()), put(out, index.uid_next()), put(out, index.highest_modseq());
  put(out, stamp);
  put(out, static_cast<uint32_t>(records.size())), put(out, static_cast<uint32_t>(sizeof(MessageInfo)));
  size_t names_at = out.size();
  put(out, uint64_t{0});
  for (const MessageInfo& rec : records) {
    std::string_view name = index.filename(rec);  // rec is in the index: no lookup by UID
    MessageInfo m = rec;
    m.name_area = 0;
    m.name_off = static_cast<uint32_t>(names.size());
    names += name;
    put(out, m);
  }
  uint64_t names_size = names.size();
  std::memcpy(out.data() + names_at, &names_size, sizeof names_size);
  out += names;
  put(out, checksum(out));
  return replace_cache_file(folder + kCache, out);
}

Status replace_cache_file(const std::string& path, std::string_view data) {
  std::string tmp = path + ".tmp" + std::to_string(::getpid());
  auto fd = open_fd(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (!fd) return std::unexpected(fd.error());
  auto s = write_all(fd->get(), data);
  if (s && ::rename(tmp.c_str(), path.c_str()) != 0) s = fail_sys("unable to rename " + tmp);
  if (!s) ::unlink(tmp.c_str());
  return s;
}

}  // namespace posta::mailstore
