#include "backup/source.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <unordered_map>

#include "backup/dbcopy.h"
#include "base/strings.h"
#include "io/fd.h"
#include "maildir/maildir.h"

namespace posta::backup {

namespace {

// The top-level directories of a run, in order (and queue/ when asked); the databases are
// taken from hot copies.
const char* const kTrees[] = {"control", "tls", "dkim", "mail"};

// scratch/a/b for rel "a/b/c": the parents of a hot copy's target
Status make_dirs(const std::string& scratch, std::string_view rel) {
  std::string cur = scratch;
  for (size_t i = rel.find('/'); i != std::string_view::npos; i = rel.find('/', i + 1)) {
    cur = scratch + "/" + std::string(rel.substr(0, i));
    if (::mkdir(cur.c_str(), 0700) != 0 && errno != EEXIST) return fail_sys("unable to create " + cur);
  }
  return {};
}

bool skipped_name(std::string_view name) {
  return name == "posta-index.cache" || name == "posta-headers.cache" || name == "posta-sort.cache" ||
         name.starts_with("posta-fts");
}

struct FileKey {
  uint64_t inode, size;
  int64_t mtime_ns;
  bool operator==(const FileKey&) const = default;
};
struct FileKeyHash {
  size_t operator()(const FileKey& k) const noexcept {
    return std::hash<uint64_t>()(k.inode * 31 + k.size) ^ std::hash<int64_t>()(k.mtime_ns);
  }
};

int64_t mtime_ns(const struct stat& st) { return int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec; }

class Walker {
 public:
  Walker(Repository& repo, const std::vector<Entry>* prev, const std::function<void(const RunProgress&)>& progress,
         RunResult& out)
      : repo_(repo), progress_(progress), out_(out) {
    if (prev)
      for (auto& e : *prev)
        if (e.type == EntryType::kFile && e.inode) reuse_.emplace(FileKey{e.inode, e.size, e.mtime_ns}, &e);
  }

  // Walks root/rel and records every entry under the name prefix/rel.
  Status walk(const std::string& root, const std::string& rel, const std::string& prefix) {
    std::string dir = root + "/" + rel;
    DIR* d = ::opendir(dir.c_str());
    if (!d) {
      if (errno == ENOENT) return {};  // removed meanwhile (a deleted folder): next snapshot
      out_.warnings.push_back(sys_error("unable to open " + dir).what);
      return {};
    }
    std::vector<std::string> names;
    while (auto* e = ::readdir(d)) {
      std::string_view n = e->d_name;
      if (n != "." && n != "..") names.emplace_back(n);
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());
    bool maildir_tmp = rel.ends_with("/tmp") && std::string_view(rel).starts_with("mail/");
    for (auto& n : names) {
      if (skipped_name(n) || maildir_tmp) continue;
      if (rel == "mail" && n == ".fts-changed") continue;  // hints for the indexer (lib/fts/changed_folders.h)
      std::string r = rel + "/" + n;
      struct stat st;
      if (::lstat((root + "/" + r).c_str(), &st) != 0) continue;  // gone: a rename is retried by add_file
      if (S_ISDIR(st.st_mode)) {
        entries_.push_back(Entry{prefix + r, EntryType::kDir, uint32_t(st.st_mode & 07777), mtime_ns(st), 0, 0, "", "", {}});
        if (auto s = walk(root, r, prefix); !s) return s;
      } else if (S_ISLNK(st.st_mode)) {
        std::string target(4096, '\0');
        ssize_t len = ::readlink((root + "/" + r).c_str(), target.data(), target.size());
        if (len < 0) continue;
        target.resize(size_t(len));
        entries_.push_back(Entry{prefix + r, EntryType::kSymlink, 0777, mtime_ns(st), 0, 0, "", target, {}});
      } else if (S_ISREG(st.st_mode)) {
        if (auto s = add_file(root, r, prefix, true); !s) return s;
      }
    }
    return {};
  }

  std::vector<Entry> entries_;

 private:
  // A Maildir message renamed since readdir (a flag change): its new name in new/ or cur/.
  static std::optional<std::string> renamed(const std::string& root, const std::string& rel) {
    auto folder = folder_of_message(rel);
    if (!folder) return std::nullopt;
    std::string name = rel.substr(rel.rfind('/') + 1), base = name.substr(0, name.find(':'));
    std::string fdir = rel.substr(0, rel.rfind('/', rel.rfind('/') - 1));
    for (auto sub : {"/cur", "/new"}) {
      DIR* d = ::opendir((root + "/" + fdir + sub).c_str());
      if (!d) continue;
      std::optional<std::string> hit;
      while (auto* e = ::readdir(d)) {
        std::string_view n = e->d_name;
        if (n.substr(0, n.find(':')) == base) hit = fdir + sub + "/" + std::string(n);
      }
      ::closedir(d);
      if (hit && *hit != rel) return hit;
    }
    return std::nullopt;
  }

  Status add_file(const std::string& root, const std::string& rel, const std::string& prefix, bool may_chase) {
    auto fd = open_fd(root + "/" + rel, O_RDONLY | O_NOFOLLOW);
    if (!fd) {
      if (fd.error().code == ENOENT) {
        if (auto moved = may_chase ? renamed(root, rel) : std::nullopt) return add_file(root, *moved, prefix, false);
        return {};  // deleted meanwhile
      }
      out_.warnings.push_back(fd.error().what);
      return {};
    }
    struct stat st;
    if (::fstat(fd->get(), &st) != 0) return fail_sys("unable to stat " + rel);
    Entry e{prefix + rel, EntryType::kFile, uint32_t(st.st_mode & 07777), mtime_ns(st), uint64_t(st.st_size),
            uint64_t(st.st_ino), "", "", {}};
    if (auto it = reuse_.find(FileKey{e.inode, e.size, e.mtime_ns}); it != reuse_.end()) {
      e.chunks = it->second->chunks;
      e.message_id = it->second->message_id;
      out_.reused++;
    } else {
      uint64_t size = 0;
      auto chunks = store_stream(repo_, fd->get(), size);
      if (!chunks) return fail(chunks.error().what + " (while storing " + root + "/" + rel + ")", chunks.error().code);
      e.chunks = std::move(*chunks);
      e.size = size;
      if (folder_of_message(e.path) && !e.chunks.empty()) {
        char head[16384];
        ssize_t n = ::pread(fd->get(), head, sizeof head, 0);
        if (n > 0) e.message_id = message_id_of(std::string_view(head, size_t(n)));
      }
    }
    progress_state_.files++;
    progress_state_.bytes += e.size;
    if (progress_) progress_(progress_state_);
    entries_.push_back(std::move(e));
    return {};
  }

  Repository& repo_;
  const std::function<void(const RunProgress&)>& progress_;
  RunResult& out_;
  RunProgress progress_state_;
  std::unordered_map<FileKey, const Entry*, FileKeyHash> reuse_;
};

}  // namespace

std::string message_id_of(std::string_view head) {
  size_t pos = 0;
  while (pos < head.size()) {
    size_t eol = head.find('\n', pos);
    std::string_view line = head.substr(pos, eol == std::string_view::npos ? head.size() - pos : eol - pos);
    if (line.empty() || line == "\r") break;
    if (line.size() >= 11 && lower(std::string(line.substr(0, 11))) == "message-id:") {
      std::string v(line.substr(11));
      // folded onto the next line
      size_t next = eol == std::string_view::npos ? head.size() : eol + 1;
      while (next < head.size() && (head[next] == ' ' || head[next] == '\t')) {
        size_t e2 = head.find('\n', next);
        v += head.substr(next, (e2 == std::string_view::npos ? head.size() : e2) - next);
        next = e2 == std::string_view::npos ? head.size() : e2 + 1;
      }
      std::string t = trim(v);
      if (t.size() >= 2 && t.front() == '<' && t.find('>') != std::string::npos) t = t.substr(1, t.find('>') - 1);
      return t;
    }
    if (eol == std::string_view::npos) break;
    pos = eol + 1;
  }
  return "";
}

std::string user_of_path(std::string_view path) {
  auto parts = split(path, '/');
  if (parts.size() < 3 || parts[0] != "mail") return "";
  return parts[2] + "@" + parts[1];
}

std::optional<std::string> folder_of_message(std::string_view path) {
  auto parts = split(path, '/');
  if (parts.size() == 5 && parts[0] == "mail" && (parts[3] == "cur" || parts[3] == "new")) return std::string();
  if (parts.size() == 6 && parts[0] == "mail" && parts[3].size() > 1 && parts[3][0] == '.' &&
      (parts[4] == "cur" || parts[4] == "new"))
    return parts[3].substr(1);
  return std::nullopt;
}

Result<RunResult> backup_instance(Repository& repo, const std::string& home, const std::vector<Entry>* prev,
                                  const std::string& scratch, const std::function<void(const RunProgress&)>& progress,
                                  const RunOptions& opts) {
  RunResult out;
  out.record.time = ::time(nullptr);
  out.record.host = maildir::local_hostname();
  Walker w(repo, prev, progress, out);
  std::vector<std::string> trees(std::begin(kTrees), std::end(kTrees));
  if (opts.queue) trees.push_back("queue");
  for (auto& tree : trees) {
    struct stat st;
    if (::lstat((home + "/" + tree).c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) continue;
    w.entries_.push_back(Entry{tree, EntryType::kDir, uint32_t(st.st_mode & 07777), mtime_ns(st), 0, 0, "", "", {}});
    if (auto s = w.walk(home, tree, ""); !s) return std::unexpected(s.error());
  }
  // the databases: hot copies, stored under their own names. The accounts must be in the
  // snapshot; the learned spam tokens and the policy state (greylisting, reputation) are
  // kept when they can be read, a warning otherwise.
  for (auto env : {"db", "db/secret", "policy/db", "spam/db"}) {
    std::string copy = scratch + "/" + env;
    if (auto s = make_dirs(scratch, env); !s) return std::unexpected(s.error());
    if (auto s = hot_copy_env(home + "/" + env, copy); !s) {
      if (std::string_view(env).starts_with("db")) return std::unexpected(s.error());
      out.warnings.push_back(s.error().what);
      continue;
    }
    struct stat st;
    if (::stat(copy.c_str(), &st) != 0) continue;
    w.entries_.push_back(Entry{env, EntryType::kDir, 0700, mtime_ns(st), 0, 0, "", "", {}});
    DIR* d = ::opendir(copy.c_str());
    if (!d) return fail_sys("unable to open " + copy);
    std::vector<std::string> names;
    while (auto* e = ::readdir(d))
      if (e->d_name[0] != '.' && e->d_type != DT_DIR) names.push_back(e->d_name);
    ::closedir(d);
    std::sort(names.begin(), names.end());
    for (auto& n : names) {
      auto fd = open_fd(copy + "/" + n, O_RDONLY);
      if (!fd) return std::unexpected(fd.error());
      struct stat fst;
      ::fstat(fd->get(), &fst);
      Entry e{std::string(env) + "/" + n, EntryType::kFile, 0600, mtime_ns(fst), 0, 0, "", "", {}};
      auto chunks = store_stream(repo, fd->get(), e.size);
      if (!chunks) return std::unexpected(chunks.error());
      e.chunks = std::move(*chunks);
      w.entries_.push_back(std::move(e));
    }
  }
  std::set<std::string> users;
  for (auto& e : w.entries_) {
    if (e.type == EntryType::kFile) {
      out.record.files++;
      out.record.bytes += e.size;
    }
    if (folder_of_message(e.path)) users.insert(user_of_path(e.path));
  }
  out.record.users.assign(users.begin(), users.end());
  POSTA_TRY(out.snapshot, commit_snapshot(repo, out.record, w.entries_));
  out.record.new_bytes = repo.new_bytes();
  return out;
}

}  // namespace posta::backup
