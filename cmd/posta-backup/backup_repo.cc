// Finding and opening the repository; init and key.
#include <time.h>

#include <cstdlib>
#include <iostream>

#include "backup.h"
#include "control/control.h"
#include "io/fd.h"
#include "log/log.h"
#include "proc/privilege.h"

namespace posta::backupcmd {

using namespace backup;

std::string home_of(const Context& c) { return c.home.empty() ? posta_home() : c.home; }

Result<std::string> repo_of(const Context& c) {
  if (!c.repo.empty()) return c.repo;
  std::string r = Control(home_of(c)).string("backuprepo");
  if (r.empty()) return fail("no repository: give --repo or write its directory into control/backuprepo", kErrUsage);
  return r;
}

namespace {

Result<std::string> read_passphrase(const std::string& file) {
  auto text = read_file(file, 4096);
  if (!text) return fail("unable to read the passphrase: " + text.error().what, kErrUsage);
  std::string p = *text;
  while (!p.empty() && (p.back() == '\n' || p.back() == '\r')) p.pop_back();
  if (p.empty()) return fail(file + " holds no passphrase", kErrUsage);
  return p;
}

}  // namespace

Result<std::string> passphrase_of(const Context& c) {
  std::string file = c.passphrase_file;
  if (file.empty())
    if (const char* e = std::getenv("POSTA_BACKUP_PASSPHRASE_FILE")) file = e;
  if (file.empty()) file = Control(home_of(c)).string("backupkeyfile");
  if (file.empty())
    return fail("no passphrase: give --passphrase-file, set POSTA_BACKUP_PASSPHRASE_FILE or name a file in control/backupkeyfile",
                kErrUsage);
  if (file[0] != '/') file = home_of(c) + "/" + file;
  return read_passphrase(file);
}

int fail_exit(const Error& e) {
  log::error(e.what);
  switch (e.code) {
    case kErrUsage: return kUsage;
    case EACCES: return kLocked;
    case ENOENT: return kDamage;
    case EWOULDBLOCK: return kBusy;
    case EBADMSG: return kDamage;
    default: return kTrouble;
  }
}

Result<Opened> open_repo(const Context& c, RepoLock::Mode mode) {
  POSTA_TRY(std::string dir, repo_of(c));
  POSTA_TRY(std::string pass, passphrase_of(c));
  // the passphrase file may be root's; everything after runs as the instance's owner
  if (auto s = become_instance_owner(home_of(c)); !s) return std::unexpected(s.error());
  if (::access((dir + "/config").c_str(), F_OK) != 0)
    return fail(dir + " is not a posta-backup repository (no config; see posta-backup init)", kLocked);
  Opened o;
  POSTA_TRY(o.lock, RepoLock::take(dir, mode));
  auto r = Repository::open(dir, pass, mode != RepoLock::Mode::kRead);
  if (!r) {
    if (r.error().code == EACCES) return fail(dir + ": wrong passphrase: the repository key does not decrypt", EACCES);
    return std::unexpected(r.error());
  }
  o.repo = std::move(*r);
  return o;
}

Result<std::string> find_snapshot(Repository& r, const std::string& which) {
  POSTA_TRY(auto names, r.snapshot_names());
  if (names.empty()) return fail("the repository has no snapshot", ENOENT);
  if (which == "latest") return names.back();
  std::string hit;
  for (auto& n : names)
    if (n.starts_with(which)) {
      if (!hit.empty()) return fail("snapshot " + which + " is ambiguous", kErrUsage);
      hit = n;
    }
  if (hit.empty()) return fail("no snapshot " + which, ENOENT);
  return hit;
}

Result<int64_t> parse_time(const std::string& s) {
  if (s.starts_with("@")) {
    auto v = parse_uint(s.substr(1));
    if (!v) return fail("bad time " + s, kErrUsage);
    return int64_t(*v);
  }
  for (auto fmt : {"%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"}) {
    struct tm tm {};
    const char* end = strptime(s.c_str(), fmt, &tm);
    if (end && *end == '\0') return int64_t(timegm(&tm));
  }
  return fail("bad time " + s + " (use @EPOCH or YYYY-MM-DD[ HH:MM[:SS]], UTC)", kErrUsage);
}

std::string format_time(int64_t t) {
  time_t tt = t;
  struct tm tm;
  gmtime_r(&tt, &tm);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

std::string json_str(std::string_view s) {
  std::string o = "\"";
  for (unsigned char ch : s) {
    if (ch == '"' || ch == '\\') o += '\\', o += char(ch);
    else if (ch < 0x20) {
      char b[8];
      snprintf(b, sizeof b, "\\u%04x", ch);
      o += b;
    } else o += char(ch);
  }
  return o + "\"";
}

namespace {

KdfParams kdf_from_env() {
  KdfParams k;
  // tests may ask for a cheaper scrypt; the default is N=2^15, r=8 (32 MB, ~0.1 s)
  if (const char* e = std::getenv("POSTA_BACKUP_SCRYPT_LOG2N"))
    if (auto v = parse_uint(e); v && *v >= 10 && *v <= 24) k.log2_n = *v;
  return k;
}

int init(const Context& c) {
  auto dir = repo_of(c);
  if (!dir) return fail_exit(dir.error());
  auto pass = passphrase_of(c);
  if (!pass) return fail_exit(pass.error());
  if (auto s = become_instance_owner(home_of(c)); !s) return fail_exit(s.error());
  if (auto s = Repository::init(*dir, *pass, kdf_from_env()); !s) return fail_exit(s.error());
  log::info("repository ", *dir, " created (format ", kRepoVersion, ")");
  return kOk;
}

int change_key(const Context& c, const std::string& new_file) {
  Context with_new = c;
  with_new.passphrase_file = new_file;
  auto np = passphrase_of(with_new);
  if (!np) return fail_exit(np.error());
  auto o = open_repo(c, RepoLock::Mode::kPrune);
  if (!o) return fail_exit(o.error());
  if (auto s = o->repo->change_passphrase(*np, kdf_from_env()); !s) return fail_exit(s.error());
  log::info("passphrase of ", o->repo->dir(), " changed");
  return kOk;
}

}  // namespace

void register_repo(CLI::App& app, Context& c, Action& action) {
  auto* i = app.add_subcommand("init", "create an empty repository (its directory must be missing or empty)");
  i->callback([&] { action = [&] { return init(c); }; });
  auto* k = app.add_subcommand("key", "change the passphrase (the data stays encrypted under the same master key)");
  k->add_option("--new-passphrase-file", c.new_passphrase_file, "file holding the new passphrase")->required();
  k->callback([&] { action = [&] { return change_key(c, c.new_passphrase_file); }; });
}

}  // namespace posta::backupcmd
