// posta-mail export (to an mbox file or a directory of .eml files) and import (from an mbox
// file or a Maildir, into one folder of one user, within the user's quota).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ctime>
#include <map>

#include "accounts/address.h"
#include "admin/tool.h"
#include "base/exitcode.h"
#include "io/fd.h"
#include "log/log.h"
#include "mail.h"
#include "maildir/quota.h"
#include "maildir/reader.h"
#include "mailstore/folders.h"
#include "mailstore/mailbox_index.h"
#include "mime/mbox.h"
#include "mime/mbox_status.h"
#include "mime/mbox_write.h"

namespace posta::mailcmd {
namespace {

using accounts::kErrInvalid, accounts::kErrNotFound, accounts::kErrRefused;

constexpr size_t kMaxMessage = size_t{1} << 30;

// A file name part that cannot leave its directory: '/' and a leading '.' replaced.
std::string path_part(std::string s) {
  for (char& c : s)
    if (c == '/' || c == '\0') c = '_';
  if (!s.empty() && s[0] == '.') s[0] = '_';
  return s;
}

Status make_dir_at(int dirfd, const std::string& name) {
  if (::mkdirat(dirfd, name.c_str(), 0700) != 0 && errno != EEXIST) return fail_sys("unable to create " + name);
  return {};
}

// The output directory, made and opened before the ids change and handed to the mail store
// owner (who writes the files) when made by root. The files are made relative to the open
// directory, so its ancestors need not be open to that owner.
Result<Fd> prepare_dir(const Opts& o) {
  if (::mkdir(o.dir.c_str(), 0700) != 0 && errno != EEXIST) return fail_sys("unable to create " + o.dir);
  POSTA_TRY(auto fd, open_fd(o.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (::geteuid() != 0) return fd;
  struct stat st{};
  std::string mail = admin::home_or_default(o.home) + "/mail";
  if (::stat(mail.c_str(), &st) == 0 && ::fchown(fd.get(), st.st_uid, st.st_gid) != 0)
    return fail_sys("unable to hand " + o.dir + " to the mail store owner");
  return fd;
}

// DIR/USER/FOLDER/UID.eml
Status write_eml(int dirfd, const Hit& h, const std::string& data) {
  std::string d = path_part(h.user);
  if (auto s = make_dir_at(dirfd, d); !s) return s;
  d += "/" + path_part(h.folder);
  if (auto s = make_dir_at(dirfd, d); !s) return s;
  std::string name = d + "/" + std::to_string(h.uid) + ".eml";
  int fd = ::openat(dirfd, name.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return fail_sys("unable to create " + name);
  Fd owned(fd);
  return write_all(owned.get(), data);
}

int export_mail(const Opts& o) {
  if (o.mbox.empty() == o.dir.empty()) return report(Error{"give one of --mbox FILE, --dir DIR", kErrInvalid});
  auto q = query_of(o, true);
  if (!q) return report(q.error());
  // opened as the invoker: the files are the administrator's
  std::optional<Fd> mbox, dir;
  if (!o.mbox.empty()) {
    auto fd = open_fd(o.mbox, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (!fd) return report(fd.error());
    mbox = std::move(*fd);
  } else {
    auto fd = prepare_dir(o);
    if (!fd) return report(fd.error());
    dir = std::move(*fd);
  }
  auto users = scope_users(o);
  if (!users) return report(users.error());
  auto hits = find(*users, *q);
  if (!hits) return report(hits.error());
  std::map<std::pair<std::string, std::string>, std::vector<uint32_t>> exported;  // (user, folder) -> UIDs
  size_t n = 0;
  for (const auto& h : *hits) {
    show_progress("exported", ++n, hits->size());
    auto data = read_file(h.path, kMaxMessage);
    if (!data) {  // expunged since the search
      log::warning(h.user, " ", h.folder, " UID ", h.uid, ": ", data.error().what);
      continue;
    }
    Status s = mbox ? write_all(mbox->get(), mime::mbox_entry(mime::with_mbox_status(*data, h.flags), "", h.date)) : write_eml(dir->get(), h, *data);
    if (!s) return report(s.error());
    exported[{h.user, h.folder}].push_back(h.uid);
  }
  if (mbox && ::fsync(mbox->get()) != 0) return report(sys_error("unable to write " + o.mbox));
  std::vector<audit::Record> records;
  std::string to = mbox ? "mbox " + o.mbox : "directory " + o.dir;
  for (auto& [key, uids] : exported) {
    Hit h{key.first, "", key.second, 0, 0, 0, "", "", "", "", ""};
    auto r = audit_record(o, "export", h, std::to_string(uids.size()) + " messages to " + to + "; query: " + mailsearch::to_text(*q));
    r.uids = audit::uid_set(uids);
    records.push_back(std::move(r));
  }
  write_audit(o, records);
  log::info("exported ", n, " messages to ", to);
  return kExitOk;
}

// One message to import.
struct Incoming {
  std::string data, flags;
  time_t date = 0;
};

// The messages of a source, one at a time: an mbox file (opened before the ids change) or a
// Maildir folder (new/ and cur/, delivery order, flags from the file names).
class Source {
 public:
  static Result<Source> open(const std::string& path) {
    Source s;
    struct stat st{};
    if (::stat(path.c_str(), &st) != 0) return fail_sys("unable to open " + path);
    if (S_ISDIR(st.st_mode)) {
      POSTA_TRY(s.maildir_, maildir::list_messages(path));
      s.is_maildir_ = true;
      return s;
    }
    POSTA_TRY(auto fd, open_fd(path, O_RDONLY | O_CLOEXEC));
    char head[5] = {};
    auto n = ::pread(fd.get(), head, sizeof head, 0);
    if (n != 5 || !mime::looks_like_mbox(std::string_view(head, 5)))
      return fail(path + " is neither a Maildir nor an mbox file", kErrInvalid);
    s.mbox_.emplace(std::move(fd), kMaxMessage);
    return s;
  }
  Result<std::optional<Incoming>> next() {
    if (!is_maildir_) {
      POSTA_TRY(auto m, mbox_->next());
      if (!m) return std::optional<Incoming>();
      std::string flags = mime::take_mbox_status(*m);
      time_t date = mime::mbox_separator_time(mbox_->separator());
      return std::optional<Incoming>(Incoming{std::move(*m), std::move(flags), date ? date : ::time(nullptr)});
    }
    while (pos_ < maildir_.size()) {
      const auto& m = maildir_[pos_++];
      auto data = read_file(m.path, kMaxMessage);
      if (!data) continue;  // gone meanwhile
      return std::optional<Incoming>(Incoming{std::move(*data), m.parts.flags, m.mtime});
    }
    return std::optional<Incoming>();
  }

 private:
  bool is_maildir_ = false;
  std::vector<maildir::Message> maildir_;
  size_t pos_ = 0;
  std::optional<mime::MboxReader> mbox_;
};

int import_mail(const Opts& o) {
  auto name = mailstore::check_mailbox_name(o.folder.empty() ? "INBOX" : o.folder);
  if (!name) return report(Error{"bad --folder: " + name.error().what, kErrInvalid});
  auto src = Source::open(o.source);  // as the invoker: the file may be theirs alone
  if (!src) return report(src.error());
  auto u = one_user(o, o.address);
  if (!u) return report(u.error());
  mailstore::Folders folders(maildir_of(*u));
  if (!folders.exists(*name))
    if (auto s = folders.create(*name); !s) return report(s.error());
  auto ix = mailstore::MailboxIndex::open(folders.dir(*name));
  if (!ix) return report(ix.error());
  maildir::QuotaLimit limit{u->quota_bytes, u->quota_messages};
  maildir::Quota quota(folders.maildir(), limit);
  maildir::QuotaUsage used;
  if (!limit.unlimited()) {
    auto now = quota.usage(::time(nullptr));
    if (!now) return report(now.error());
    used = *now;
  }
  int64_t bytes = 0, count = 0;
  std::vector<uint32_t> uids;
  Status stop;
  for (;;) {
    auto m = src->next();
    if (!m) { stop = std::unexpected(m.error()); break; }
    if (!*m) break;
    if (maildir::would_exceed(limit, used, bytes + static_cast<int64_t>((*m)->data.size()), count + 1)) {
      stop = fail("quota of " + u->address + " reached after " + std::to_string(count) + " messages", kErrRefused);
      break;
    }
    auto uid = ix->add((*m)->data, (*m)->flags, (*m)->date);
    if (!uid) { stop = std::unexpected(uid.error()); break; }
    uids.push_back(*uid);
    bytes += static_cast<int64_t>((*m)->data.size());
    ++count;
    show_progress("imported", static_cast<size_t>(count), static_cast<size_t>(count));
  }
  if (count && ::access((folders.maildir() + "/maildirsize").c_str(), F_OK) == 0)
    if (auto s = quota.add(bytes, count); !s) log::warning("quota of ", u->address, ": ", s.error().what);
  if (count) {
    note_changed(o, ix->folder());
    Hit h{u->address, "", *name, 0, 0, 0, "", "", "", "", ""};
    auto r = audit_record(o, "import", h, std::to_string(count) + " messages from " + o.source);
    r.uids = audit::uid_set(uids);
    write_audit(o, {r});
  }
  log::info("imported ", count, " messages into ", u->address, " ", *name);
  if (!stop) return report(stop.error());
  return kExitOk;
}

}  // namespace

void register_transfer(CLI::App& app, Opts& o, Action& action) {
  auto* sc = app.add_subcommand("export", "write the messages a query matches (default: all) to an mbox or .eml files");
  add_scope_options(sc, o);
  sc->add_option("QUERY", o.query_words, "the query (default: all)");
  sc->add_option("--mbox", o.mbox, "one mbox file (mboxrd)");
  sc->add_option("--dir", o.dir, "a directory: DIR/USER/FOLDER/UID.eml");
  sc->callback([&] { action = [&] { return export_mail(o); }; });

  sc = app.add_subcommand("import", "add the messages of an mbox file or a Maildir to a user's folder");
  sc->add_option("ADDRESS", o.address, "the user")->required();
  sc->add_option("SOURCE", o.source, "an mbox file or a Maildir (its new/ and cur/; flags kept)")->required();
  sc->add_option("--folder", o.folder, "the folder (default INBOX; created when missing)");
  sc->callback([&] { action = [&] { return import_mail(o); }; });
}

}  // namespace posta::mailcmd
