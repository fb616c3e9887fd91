#include "backup/restore.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <unordered_map>
#include <unordered_set>

#include "backup/source.h"
#include "base/strings.h"
#include "io/fd.h"
#include "maildir/maildir.h"

namespace posta::backup {

namespace {

bool folder_matches(const std::string& folder, const std::optional<std::string>& want) {
  if (!want) return true;
  if (want->empty() || lower(*want) == "inbox") return folder.empty();
  return folder == *want;
}

Status make_parents(const std::string& path) {
  std::string cur;
  for (auto& part : split(path.substr(0, path.rfind('/')), '/')) {
    cur += (cur.empty() && path[0] == '/' ? "/" : cur.empty() ? "" : "/") + part;
    if (part.empty()) continue;
    if (::mkdir(cur.c_str(), 0700) != 0 && errno != EEXIST) return fail_sys("unable to create " + cur);
  }
  return {};
}

void set_mtime(const std::string& path, int64_t ns, bool symlink) {
  struct timespec ts[2];
  ts[0].tv_sec = ts[1].tv_sec = ns / 1000000000;
  ts[0].tv_nsec = ts[1].tv_nsec = ns % 1000000000;
  ::utimensat(AT_FDCWD, path.c_str(), ts, symlink ? AT_SYMLINK_NOFOLLOW : 0);
}

// The messages of a live folder: by base name (before ':'), and by size, so that a message
// restored earlier under a new name is recognised by its content.
struct LiveFolder {
  std::unordered_set<std::string> bases;
  std::unordered_multimap<uint64_t, std::string> by_size;  // size -> path

  explicit LiveFolder(const std::string& fdir) {
    for (auto sub : {"/cur/", "/new/"}) {
      DIR* d = ::opendir((fdir + sub).c_str());
      if (!d) continue;
      while (auto* e = ::readdir(d)) {
        std::string_view n = e->d_name;
        if (n[0] == '.') continue;
        bases.emplace(n.substr(0, n.find(':')));
        struct stat st;
        std::string path = fdir + sub + std::string(n);
        if (::stat(path.c_str(), &st) == 0) by_size.emplace(uint64_t(st.st_size), path);
      }
      ::closedir(d);
    }
  }

  bool has_content(const std::string& data) const {
    auto [a, b] = by_size.equal_range(data.size());
    for (auto it = a; it != b; ++it)
      if (auto live = read_file(it->second, data.size() + 1); live && *live == data) return true;
    return false;
  }
};

}  // namespace

bool selected(const Entry& e, const Selection& s) {
  if (!s.messages_only()) return true;
  auto folder = folder_of_message(e.path);
  if (!folder || e.type != EntryType::kFile) return false;
  if (!s.user.empty() && lower(user_of_path(e.path)) != lower(s.user)) return false;
  if (!folder_matches(*folder, s.folder)) return false;
  if (!s.message_id.empty() && e.message_id != s.message_id) return false;
  int64_t t = e.mtime_ns / 1000000000;
  if (s.since && t < s.since) return false;
  if (s.until && t >= s.until) return false;
  return true;
}

Result<RestoreResult> restore_to_dir(Repository& repo, const Snapshot& snap, const Selection& sel,
                                     const std::string& dir, bool sync) {
  RestoreResult r;
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return fail_sys("unable to create " + dir);
  std::vector<const Entry*> dirs;
  for (auto& e : snap.entries) {
    if (!selected(e, sel) && !(e.type == EntryType::kDir && !sel.messages_only())) continue;
    std::string path = dir + "/" + e.path;
    if (e.path.find("..") != std::string::npos || e.path.starts_with("/")) {
      r.errors.push_back(e.path + ": unsafe path in snapshot, not restored");
      continue;
    }
    if (auto s = make_parents(path); !s) return std::unexpected(s.error());
    if (e.type == EntryType::kDir) {
      if (::mkdir(path.c_str(), e.mode & 07777) != 0 && errno != EEXIST) r.errors.push_back(sys_error(path).what);
      dirs.push_back(&e);
      continue;
    }
    if (e.type == EntryType::kSymlink) {
      if (::symlink(e.target.c_str(), path.c_str()) != 0) r.errors.push_back(sys_error("unable to create " + path).what);
      continue;
    }
    auto data = read_entry(repo, e);
    if (!data) {
      r.errors.push_back(data.error().what + "; " + e.path + " not restored");
      continue;
    }
    auto fd = open_fd(path, O_WRONLY | O_CREAT | O_EXCL, e.mode & 07777);
    if (!fd) {
      r.errors.push_back(fd.error().what);
      continue;
    }
    if (auto s = write_all(fd->get(), *data); !s) {
      ::unlink(path.c_str());
      return fail("unable to write " + path + ": " + s.error().what, s.error().code);
    }
    fd->reset();
    set_mtime(path, e.mtime_ns, false);
    r.files++;
    r.bytes += data->size();
  }
  // directory times last: creating files inside them changed them
  for (auto* e : dirs) set_mtime(dir + "/" + e->path, e->mtime_ns, false);
  // one syncfs rather than an fsync per file (each a flush of the disk's cache), but it
  // also waits for whatever else was written to that file system: asked for, not default
  if (sync) {
    auto root = open_fd(dir, O_RDONLY | O_DIRECTORY);
    if (!root) return std::unexpected(root.error());
    if (::syncfs(root->get()) != 0) return fail_sys("unable to sync " + dir);
  }
  return r;
}

Result<RestoreResult> restore_into_instance(Repository& repo, const Snapshot& snap, const Selection& sel,
                                            const std::string& home, const std::string& into_folder) {
  if (!into_folder.empty() && !maildir::valid_folder_name(into_folder))
    return fail("not a folder name: " + into_folder, EINVAL);
  RestoreResult r;
  std::unordered_map<std::string, LiveFolder> present;  // by folder directory
  for (auto& e : snap.entries) {
    auto folder = folder_of_message(e.path);
    if (!folder || !selected(e, sel)) continue;
    if (!into_folder.empty()) folder = into_folder;
    std::string rel_maildir = e.path.substr(0, e.path.find('/', e.path.find('/', 5) + 1));  // mail/<d>/<u>
    std::string maildir = home + "/" + rel_maildir;
    if (auto s = maildir::ensure_maildir(maildir); !s) return std::unexpected(s.error());
    if (!folder->empty())
      if (auto s = maildir::create_folder(maildir, *folder); !s) return std::unexpected(s.error());
    std::string fdir = maildir::folder_dir(maildir, *folder);
    auto it = present.find(fdir);
    if (it == present.end()) it = present.emplace(fdir, LiveFolder(fdir)).first;
    std::string name = e.path.substr(e.path.rfind('/') + 1);
    std::string base = name.substr(0, name.find(':'));
    if (it->second.bases.count(base)) {
      r.skipped++;
      continue;
    }
    auto data = read_entry(repo, e);
    if (!data) {
      r.errors.push_back(data.error().what + "; " + e.path + " not restored");
      continue;
    }
    if (it->second.has_content(*data)) {  // restored before, under another name
      r.skipped++;
      continue;
    }
    auto d = maildir::deliver_data(fdir, *data);
    if (!d) return fail("unable to restore into " + fdir + ": " + d.error().what, d.error().code);
    // a message that was in cur/ goes back there with its flags
    if (e.path.find("/cur/") != std::string::npos) {
      std::string flags = name.find(":2,") != std::string::npos ? name.substr(name.find(":2,")) : ":2,";
      std::string cur = fdir + "/cur/" + d->name + flags;
      if (::rename(d->path.c_str(), cur.c_str()) != 0) return fail_sys("unable to move " + d->path);
      if (auto s = fsync_dir(fdir + "/cur"); !s) return std::unexpected(s.error());
    }
    it->second.bases.insert(base);
    r.files++;
    r.bytes += data->size();
  }
  return r;
}

}  // namespace posta::backup
