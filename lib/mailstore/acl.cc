#include "mailstore/acl.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "base/strings.h"
#include "io/fd.h"
#include "mailstore/folder_lock.h"

namespace posta::mailstore {
namespace {

// posta-user runs as root in a system instance: what it writes belongs to the owner of the
// directory it is in (the mail store owner), as accounts/mailbox.cc does for Maildirs.
Status adopt(const std::string& path) {
  if (::geteuid() != 0) return {};
  struct stat up{};
  if (::stat(dirname_of(path).c_str(), &up) != 0) return fail_sys("unable to stat the directory of " + path);
  if (::lchown(path.c_str(), up.st_uid, up.st_gid) != 0) return fail_sys("unable to chown " + path);
  return {};
}

Status write_adopted(const std::string& path, std::string_view data) {
  if (auto s = write_file_atomic(path, data, 0600); !s) return s;
  return adopt(path);
}

// A grantee file name: the identifier itself (an address or "anyone": no '/', no leading '.').
bool valid_grantee(std::string_view g) {
  return !g.empty() && g.size() <= 254 && g[0] != '.' && g.find('/') == std::string_view::npos &&
         g.find('\0') == std::string_view::npos;
}

}  // namespace

Result<Rights> Rights::parse(std::string_view letters) {
  Rights r;
  for (char c : letters) {
    if (c == 'c') {
      r = r | *parse("kx");
    } else if (c == 'd') {
      r = r | *parse("te");
    } else {
      size_t i = kLetters.find(c);
      if (i == std::string_view::npos) return fail(std::string("unknown right '") + c + "'", EINVAL);
      r.bits_ |= static_cast<uint16_t>(1u << i);
    }
  }
  return r;
}

bool Rights::has(char right) const {
  size_t i = kLetters.find(right);
  return i != std::string_view::npos && (bits_ >> i) & 1u;
}

std::string Rights::str() const {
  std::string out;
  for (size_t i = 0; i < kLetters.size(); ++i)
    if ((bits_ >> i) & 1u) out += kLetters[i];
  return out;
}

std::string domain_of(std::string_view address) {
  size_t at = address.rfind('@');
  return at == std::string_view::npos ? std::string() : lower(std::string(address.substr(at + 1)));
}

Result<std::string> acl_identifier(std::string_view id, std::string_view domain) {
  if (iequals(id, kAnyone)) return std::string(kAnyone);
  if (!id.empty() && id[0] == '-') return fail("negative rights are not supported", EINVAL);
  size_t at = id.rfind('@');
  if (at == std::string_view::npos || at == 0) return fail("identifier must be anyone or an address of " + std::string(domain), EINVAL);
  std::string local(id.substr(0, at));
  if (local[0] == '.' || local.find("..") != std::string::npos || local.back() == '.')
    return fail("invalid local part in identifier", EINVAL);
  for (unsigned char c : local)
    if (c <= ' ' || c >= 0x7f || c == '/' || c == '\\' || c == '@' || c == '"') return fail("invalid local part in identifier", EINVAL);
  if (lower(std::string(id.substr(at + 1))) != lower(std::string(domain)))
    return fail("rights can only be granted to users of " + std::string(domain), EPERM);
  return lower(std::string(id));
}

Result<Acl> Acl::load(const std::string& folder_dir) {
  Acl acl;
  auto text = read_file(folder_dir + "/" + std::string(kFile), 1 << 20);
  if (!text) {
    if (text.error().code == ENOENT) return acl;
    return std::unexpected(text.error());
  }
  for (auto& line : split(*text, '\n')) {
    auto words = split(trim(line), ' ');
    if (words.size() != 2 || !valid_grantee(words[0])) continue;
    auto r = Rights::parse(words[1]);
    if (r && !r->empty()) acl.entries_[lower(words[0])] = *r;
  }
  return acl;
}

Status Acl::save(const std::string& folder_dir) const {
  std::string path = folder_dir + "/" + std::string(kFile);
  if (entries_.empty()) {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return fail_sys("unable to remove " + path);
    return fsync_dir(folder_dir);
  }
  std::string out;
  for (auto& [id, r] : entries_) out += id + " " + r.str() + "\n";
  return write_adopted(path, out);
}

Rights Acl::rights_of(std::string_view address) const {
  Rights r;
  if (auto it = entries_.find(lower(std::string(address))); it != entries_.end()) r = r | it->second;
  if (auto it = entries_.find(std::string(kAnyone)); it != entries_.end()) r = r | it->second;
  return r;
}

void Acl::set(const std::string& identifier, Rights rights) {
  if (rights.empty()) entries_.erase(identifier);
  else entries_[identifier] = rights;
}

SharedIndex::SharedIndex(const std::string& home, std::string_view domain)
    : dir_(home + "/mail/" + lower(std::string(domain)) + "/.shared") {}

Status SharedIndex::ensure_dir() const {
  std::string parent = dirname_of(dir_);
  for (const std::string& d : {parent, dir_}) {
    if (::mkdir(d.c_str(), 0700) == 0) {
      if (auto s = adopt(d); !s) return s;
    } else if (errno != EEXIST) {
      return fail_sys("unable to create " + d);
    }
  }
  return {};
}

std::vector<Share> SharedIndex::read(const std::string& grantee) const {
  std::vector<Share> out;
  if (!valid_grantee(grantee)) return out;
  auto text = read_file(dir_ + "/" + grantee, 4 << 20);
  if (!text) return out;
  for (auto& line : split(*text, '\n')) {
    size_t tab = line.find('\t');
    if (tab == std::string::npos || tab == 0 || tab + 1 == line.size()) continue;
    Share s{line.substr(0, tab), line.substr(tab + 1)};
    if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(std::move(s));
  }
  return out;
}

Status SharedIndex::write(const std::string& grantee, const std::vector<Share>& shares) {
  if (!valid_grantee(grantee)) return fail("invalid grantee " + grantee, EINVAL);
  std::string path = dir_ + "/" + grantee;
  if (shares.empty()) {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return fail_sys("unable to remove " + path);
    return {};
  }
  std::string out;
  for (auto& s : shares) out += s.owner + "\t" + s.folder + "\n";
  return write_adopted(path, out);
}

std::vector<Share> SharedIndex::shared_with(std::string_view grantee) const {
  auto out = read(lower(std::string(grantee)));
  for (auto& s : read(std::string(kAnyone)))
    if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  return out;
}

std::vector<std::pair<std::string, Share>> SharedIndex::shares_of(std::string_view owner) const {
  std::vector<std::pair<std::string, Share>> out;
  DIR* d = ::opendir(dir_.c_str());
  if (!d) return out;
  std::vector<std::string> grantees;
  while (dirent* e = ::readdir(d))
    if (e->d_name[0] != '.' && std::string_view(e->d_name) != "lock") grantees.emplace_back(e->d_name);
  ::closedir(d);
  std::sort(grantees.begin(), grantees.end());
  std::string o = lower(std::string(owner));
  for (auto& g : grantees)
    for (auto& s : read(g))
      if (lower(s.owner) == o) out.emplace_back(g, s);
  return out;
}

Status SharedIndex::put(const std::string& grantee, const Share& s, bool present) {
  if (auto st = ensure_dir(); !st) return st;
  auto shares = read(grantee);
  auto it = std::find(shares.begin(), shares.end(), s);
  if (present == (it != shares.end())) return {};
  if (present) shares.push_back(s);
  else shares.erase(it);
  return write(grantee, shares);
}

Status SharedIndex::rename_folder(std::string_view owner, std::string_view from, std::string_view to) {
  std::string o = lower(std::string(owner)), prefix = std::string(from) + ".";
  std::vector<std::string> grantees;
  if (DIR* d = ::opendir(dir_.c_str())) {
    while (dirent* e = ::readdir(d))
      if (e->d_name[0] != '.' && std::string_view(e->d_name) != "lock") grantees.emplace_back(e->d_name);
    ::closedir(d);
  }
  for (auto& g : grantees) {
    auto shares = read(g);
    bool changed = false;
    std::vector<Share> kept;
    for (auto& s : shares) {
      bool hit = lower(s.owner) == o && (s.folder == from || s.folder.starts_with(prefix));
      if (!hit) {
        kept.push_back(s);
        continue;
      }
      changed = true;
      if (!to.empty()) kept.push_back({s.owner, std::string(to) + s.folder.substr(from.size())});
    }
    if (changed)
      if (auto st = write(g, kept); !st) return st;
  }
  return {};
}

Status set_share(const std::string& home, const std::string& owner, const std::string& folder,
                 const std::string& folder_dir, const std::string& identifier, Rights rights) {
  if (lower(identifier) == lower(owner)) return fail("the owner's rights cannot be changed", EPERM);
  SharedIndex index(home, domain_of(owner));
  if (auto s = index.ensure_dir(); !s) return s;
  auto lock = FolderLock::take(index.lock_path());
  if (!lock) return std::unexpected(lock.error());
  (void)adopt(index.lock_path());
  auto acl = Acl::load(folder_dir);
  if (!acl) return std::unexpected(acl.error());
  acl->set(identifier, rights);
  if (auto s = acl->save(folder_dir); !s) return s;
  return index.put(identifier, Share{lower(owner), folder}, !rights.empty());
}

Status share_folder_renamed(const std::string& home, const std::string& owner, std::string_view from,
                            std::string_view to) {
  SharedIndex index(home, domain_of(owner));
  struct stat st{};
  if (::stat(index.dir().c_str(), &st) != 0) return {};  // nothing of the domain is shared
  auto lock = FolderLock::take(index.lock_path());
  if (!lock) return std::unexpected(lock.error());
  return index.rename_folder(owner, from, to);
}

}  // namespace posta::mailstore
