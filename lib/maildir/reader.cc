#include "maildir/reader.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>

namespace posta::maildir {

namespace {

std::optional<uint64_t> field_value(std::string_view base, std::string_view key) {
  // fields after the unique part: ",S=123,W=130"
  size_t p = 0;
  while ((p = base.find(',', p)) != std::string_view::npos) {
    ++p;
    if (base.substr(p, key.size()) != key) continue;
    std::string_view v = base.substr(p + key.size());
    v = v.substr(0, v.find(','));
    uint64_t n = 0;
    auto [e, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec == std::errc() && e == v.data() + v.size() && !v.empty()) return n;
  }
  return std::nullopt;
}

Status list_sub(const std::string& folder, bool is_new, std::vector<Message>& out) {
  std::string dir = folder + (is_new ? "/new" : "/cur");
  DIR* d = ::opendir(dir.c_str());
  if (!d) {
    if (errno == ENOENT) return {};
    return fail_sys("unable to open " + dir);
  }
  while (struct dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    Message m;
    m.name = e->d_name;
    m.path = dir + "/" + m.name;
    struct stat st;
    if (::stat(m.path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;  // vanished
    m.in_new = is_new;
    m.parts = parse_name(m.name);
    m.size = m.parts.size ? *m.parts.size : static_cast<uint64_t>(st.st_size);
    m.mtime = st.st_mtime;
    out.push_back(std::move(m));
  }
  ::closedir(d);
  return {};
}

}  // namespace

std::string normalize_flags(std::string_view flags) {
  std::string f;
  for (char c : flags) {
    if (std::isalpha(static_cast<unsigned char>(c)) && f.find(c) == std::string::npos) f += c;
  }
  std::sort(f.begin(), f.end());
  return f;
}

NameParts parse_name(std::string_view name) {
  NameParts p;
  size_t colon = name.find(':');
  p.base = std::string(name.substr(0, colon));
  if (colon != std::string_view::npos) {
    std::string_view info = name.substr(colon + 1);
    if (info.substr(0, 2) == "2,") {
      p.has_info = true;
      p.flags = normalize_flags(info.substr(2));
    }
  }
  p.size = field_value(p.base, "S=");
  p.vsize = field_value(p.base, "W=");
  return p;
}

std::string name_with_flags(std::string_view base, std::string_view flags) {
  return std::string(base) + ":2," + normalize_flags(flags);
}

Result<std::vector<Message>> list_messages(const std::string& folder_dir) {
  std::vector<Message> out;
  if (auto s = list_sub(folder_dir, true, out); !s) return std::unexpected(s.error());
  if (auto s = list_sub(folder_dir, false, out); !s) return std::unexpected(s.error());
  std::sort(out.begin(), out.end(), [](const Message& a, const Message& b) {
    if (a.mtime != b.mtime) return a.mtime < b.mtime;
    return a.parts.base < b.parts.base;
  });
  return out;
}

Result<std::string> set_flags(const std::string& folder_dir, const Message& m,
                              std::string_view flags) {
  std::string to = folder_dir + "/cur/" + name_with_flags(m.parts.base, flags);
  if (to == m.path) return to;
  if (::rename(m.path.c_str(), to.c_str()) != 0) return fail_sys("unable to rename " + m.path);
  return to;
}

Status remove_message(const Message& m) {
  if (::unlink(m.path.c_str()) != 0 && errno != ENOENT) return fail_sys("unable to remove " + m.path);
  return {};
}

}  // namespace posta::maildir
