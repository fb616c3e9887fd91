#include "audit/audit_log.h"

#include <dirent.h>
#include <fcntl.h>
#include <pwd.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>

#include "admin/tool.h"
#include "base/strings.h"
#include "io/fd.h"
#include "mailstore/store_dir.h"

namespace posta::audit {
namespace {

constexpr size_t kFields = 9;

std::string user_name(uid_t uid) {
  std::vector<char> buf(4096);
  passwd pw{}, *res = nullptr;
  if (::getpwuid_r(uid, &pw, buf.data(), buf.size(), &res) == 0 && res) return res->pw_name;
  return "?";
}

Status ensure_dir(const std::string& home) {
  auto dir = mailstore::ensure_store_dir(home, ".audit");
  if (!dir) return std::unexpected(dir.error());
  return {};
}

bool same_ci(const std::string& a, const std::string& b) { return strcasecmp(a.c_str(), b.c_str()) == 0; }

}  // namespace

std::string log_dir(const std::string& home) { return home + "/mail/.audit"; }
std::string log_path(const std::string& home) { return log_dir(home) + "/audit.log"; }

std::string encode(const Record& r) {
  std::string out = std::to_string(r.time);
  for (const std::string* f : {&r.who, &r.program, &r.action, &r.user, &r.folder, &r.uids, &r.message_id, &r.detail}) {
    out += '\t';
    out += admin::tsv_escape(*f);
  }
  return out;
}

Result<Record> decode(std::string_view line) {
  auto f = admin::tsv_fields(line);
  if (!f) return std::unexpected(f.error());
  if (f->size() != kFields) return fail("audit record: " + std::to_string(f->size()) + " fields, not 9");
  auto t = parse_uint((*f)[0]);
  if (!t) return fail("audit record: bad time");
  Record r;
  r.time = static_cast<int64_t>(*t);
  std::string* out[] = {&r.who, &r.program, &r.action, &r.user, &r.folder, &r.uids, &r.message_id, &r.detail};
  for (size_t i = 1; i < kFields; ++i) *out[i - 1] = std::move((*f)[i]);
  return r;
}

Status append(const std::string& home, const std::vector<Record>& records) {
  if (records.empty()) return {};
  if (auto s = ensure_dir(home); !s) return s;
  std::string path = log_path(home);
  bool existed = ::access(path.c_str(), F_OK) == 0;
  auto fd = open_fd(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (!fd) return std::unexpected(fd.error());
  if (!existed) mailstore::hand_to_mail_owner(home, path);
  for (const auto& r : records)
    if (auto s = write_all(fd->get(), encode(r) + "\n"); !s) return fail("unable to append to " + path + ": " + s.error().what);
  return {};
}

bool matches(const Record& r, const Filter& f) {
  if (!f.user.empty() && !same_ci(r.user, f.user)) return false;
  if (!f.action.empty() && !same_ci(r.action, f.action)) return false;
  if (f.since && r.time < f.since) return false;
  if (f.until && r.time >= f.until) return false;
  return true;
}

Result<std::vector<Record>> read(const std::string& home, const Filter& f) {
  std::vector<std::string> files;
  if (DIR* d = ::opendir(log_dir(home).c_str())) {
    while (dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n.starts_with("audit.log.")) files.push_back(n);
    }
    ::closedir(d);
  }
  std::sort(files.begin(), files.end());
  files.push_back("audit.log");
  std::vector<Record> out;
  for (const auto& name : files) {
    auto text = read_file(log_dir(home) + "/" + name, size_t{1} << 34);
    if (!text) {
      if (text.error().code == ENOENT) continue;
      return std::unexpected(text.error());
    }
    std::string_view rest = *text;
    while (!rest.empty()) {
      size_t nl = rest.find('\n');
      std::string_view line = rest.substr(0, nl);
      rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
      if (line.empty()) continue;
      auto r = decode(line);
      Record rec = r ? std::move(*r) : Record{0, "", "", "unreadable", "", "", "", "", std::string(line)};
      if (!r || matches(rec, f)) out.push_back(std::move(rec));
    }
  }
  return out;
}

std::string invoker() {
  uid_t uid = ::getuid();
  std::string who = "uid=" + std::to_string(uid) + "(" + user_name(uid) + ")";
  if (auto login = read_file("/proc/self/loginuid", 64)) {
    auto n = parse_uint(trim(*login));
    if (n && *n != 4294967295u && *n != uid) who += " login=" + std::to_string(*n) + "(" + user_name(static_cast<uid_t>(*n)) + ")";
  }
  if (const char* s = std::getenv("SUDO_USER"); s && *s) who += " sudo=" + std::string(s);
  return who;
}

std::string uid_set(std::vector<uint32_t> uids) {
  std::sort(uids.begin(), uids.end());
  uids.erase(std::unique(uids.begin(), uids.end()), uids.end());
  std::string out;
  for (size_t i = 0; i < uids.size();) {
    size_t j = i;
    while (j + 1 < uids.size() && uids[j + 1] == uids[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += std::to_string(uids[i]);
    if (j > i) out += ':' + std::to_string(uids[j]);
    i = j + 1;
  }
  return out;
}

}  // namespace posta::audit
