#include "mailstore/folders.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "base/strings.h"
#include "control/control.h"
#include "io/fd.h"
#include "maildir/maildir.h"

namespace posta::mailstore {
namespace {

constexpr std::string_view kB64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

// Decodes one "&...-" run (without the delimiters) into out.
bool decode_run(std::string_view run, std::string& out) {
  uint32_t bits = 0;
  int nbits = 0;
  std::vector<uint16_t> units;
  for (char c : run) {
    size_t v = kB64.find(c);
    if (v == std::string_view::npos) return false;
    bits = (bits << 6) | static_cast<uint32_t>(v);
    nbits += 6;
    if (nbits >= 16) {
      nbits -= 16;
      units.push_back(static_cast<uint16_t>((bits >> nbits) & 0xffff));
    }
  }
  if (nbits >= 6 || (bits & ((1u << nbits) - 1)) != 0 || units.empty()) return false;
  for (size_t i = 0; i < units.size(); ++i) {
    uint32_t u = units[i];
    if (u >= 0xd800 && u < 0xdc00) {
      if (i + 1 >= units.size() || units[i + 1] < 0xdc00 || units[i + 1] >= 0xe000) return false;
      u = 0x10000 + ((u - 0xd800) << 10) + (units[++i] - 0xdc00);
    } else if (u >= 0xdc00 && u < 0xe000) {
      return false;
    } else if (u >= 0x20 && u < 0x7f) {
      return false;  // printable ASCII must not be encoded
    }
    append_utf8(out, u);
  }
  return true;
}

}  // namespace

Result<std::string> mutf7_to_utf8(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c >= 0x7f) return fail("mailbox name contains a non-ASCII or control byte");
    if (c != '&') {
      out += static_cast<char>(c);
      continue;
    }
    size_t end = s.find('-', i + 1);
    if (end == std::string_view::npos) return fail("unterminated modified UTF-7 sequence");
    if (end == i + 1) {
      out += '&';
    } else if (!decode_run(s.substr(i + 1, end - i - 1), out)) {
      return fail("malformed modified UTF-7 sequence");
    }
    i = end;
  }
  return out;
}

std::string utf8_to_mutf7(std::string_view s) {
  std::string out;
  std::vector<uint16_t> units;
  auto flush = [&] {
    if (units.empty()) return;
    out += '&';
    uint32_t bits = 0;
    int nbits = 0;
    for (uint16_t u : units) {
      bits = (bits << 16) | u;
      nbits += 16;
      while (nbits >= 6) {
        nbits -= 6;
        out += kB64[(bits >> nbits) & 0x3f];
      }
    }
    if (nbits > 0) out += kB64[(bits << (6 - nbits)) & 0x3f];
    out += '-';
    units.clear();
  };
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f) {
      flush();
      out += c == '&' ? std::string("&-") : std::string(1, static_cast<char>(c));
      ++i;
      continue;
    }
    uint32_t cp = c;
    int len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    if (len > 1) {
      cp = c & (0x3f >> (len - 1));
      for (int k = 1; k < len && i + k < s.size(); ++k)
        cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3f);
    }
    i += static_cast<size_t>(len);
    if (cp >= 0x10000) {
      cp -= 0x10000;
      units.push_back(static_cast<uint16_t>(0xd800 + (cp >> 10)));
      units.push_back(static_cast<uint16_t>(0xdc00 + (cp & 0x3ff)));
    } else {
      units.push_back(static_cast<uint16_t>(cp));
    }
  }
  flush();
  return out;
}

Result<std::string> check_mailbox_name(std::string_view name) {
  if (name.size() == 5 && lower(std::string(name)) == "inbox") return std::string("INBOX");
  if (name.empty() || name.size() > 200) return fail("mailbox name empty or too long");
  auto utf8 = mutf7_to_utf8(name);
  if (!utf8) return std::unexpected(utf8.error());
  for (char c : name)
    if (c == '/' || c == '\\' || c == '*' || c == '%' || c == '~')
      return fail("mailbox name contains a character that is not allowed");
  for (auto& part : split(std::string(name), kDelimiter))
    if (part.empty()) return fail("mailbox name has an empty component");
  if (!maildir::valid_folder_name(name)) return fail("mailbox name not allowed");
  std::string out(name);
  // "inbox.x" names a child of INBOX: keep INBOX's canonical spelling.
  if (out.size() > 6 && lower(out.substr(0, 6)) == "inbox.") out.replace(0, 5, "INBOX");
  return out;
}

std::string Folders::dir(std::string_view mailbox) const {
  if (mailbox == "INBOX") return maildir_;
  return maildir_ + "/." + std::string(mailbox);
}

bool Folders::exists(std::string_view mailbox) const {
  struct stat st{};
  return ::stat((dir(mailbox) + "/cur").c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::vector<std::string> Folders::list() const {
  std::vector<std::string> out;
  DIR* d = ::opendir(maildir_.c_str());
  if (d) {
    while (dirent* e = ::readdir(d)) {
      std::string_view n = e->d_name;
      if (n.size() < 2 || n[0] != '.' || n == "..") continue;
      auto checked = check_mailbox_name(n.substr(1));
      if (!checked || *checked == "INBOX" || !exists(*checked)) continue;
      out.push_back(*checked);
    }
    ::closedir(d);
  }
  std::sort(out.begin(), out.end());
  out.insert(out.begin(), "INBOX");
  return out;
}

Status Folders::create(std::string_view mailbox) {
  if (exists(mailbox)) return fail("mailbox already exists", EEXIST);
  return maildir::create_folder(maildir_, mailbox);
}

namespace {
Status remove_tree(const std::string& path) {
  struct stat st{};
  if (::lstat(path.c_str(), &st) != 0) return errno == ENOENT ? Status{} : fail_sys("unable to stat " + path);
  if (S_ISDIR(st.st_mode)) {
    DIR* d = ::opendir(path.c_str());
    if (!d) return fail_sys("unable to open " + path);
    std::vector<std::string> names;
    while (dirent* e = ::readdir(d))
      if (std::strcmp(e->d_name, ".") && std::strcmp(e->d_name, "..")) names.push_back(e->d_name);
    ::closedir(d);
    for (auto& n : names)
      if (auto s = remove_tree(path + "/" + n); !s) return s;
    if (::rmdir(path.c_str()) != 0 && errno != ENOENT) return fail_sys("unable to remove " + path);
    return {};
  }
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return fail_sys("unable to remove " + path);
  return {};
}
}  // namespace

Status Folders::remove(std::string_view mailbox) {
  if (mailbox == "INBOX") return fail("INBOX cannot be deleted", EPERM);
  if (!exists(mailbox)) return fail("no such mailbox", ENOENT);
  // Rename first so that a half-deleted folder never looks like a mailbox.
  std::string doomed = maildir_ + "/..deleted." + std::to_string(::getpid()) + "." + std::string(mailbox);
  if (::rename(dir(mailbox).c_str(), doomed.c_str()) != 0) return fail_sys("unable to delete mailbox");
  return remove_tree(doomed);
}

Status Folders::rename(std::string_view from, std::string_view to) {
  if (!exists(from)) return fail("no such mailbox", ENOENT);
  if (to == "INBOX" || exists(to)) return fail("target mailbox already exists", EEXIST);
  if (from == "INBOX") {
    if (auto s = create(to); !s) return s;
    for (const char* sub : {"/new", "/cur"}) {
      std::string src = maildir_ + sub;
      DIR* d = ::opendir(src.c_str());
      if (!d) continue;
      std::vector<std::string> names;
      while (dirent* e = ::readdir(d))
        if (e->d_name[0] != '.') names.push_back(e->d_name);
      ::closedir(d);
      for (auto& n : names)
        (void)::rename((src + "/" + n).c_str(), (dir(to) + sub + "/" + n).c_str());
    }
    return {};
  }
  std::string prefix = std::string(from) + kDelimiter;
  for (auto& m : list()) {
    if (m.compare(0, prefix.size(), prefix) != 0) continue;
    std::string child_to = std::string(to) + m.substr(from.size());
    if (::rename(dir(m).c_str(), dir(child_to).c_str()) != 0) return fail_sys("unable to rename " + m);
  }
  if (::rename(dir(from).c_str(), dir(to).c_str()) != 0) return fail_sys("unable to rename mailbox");
  return {};
}

std::vector<std::string> Folders::subscriptions() const {
  std::vector<std::string> out;
  auto content = read_file(maildir_ + "/subscriptions", 1 << 20);
  if (!content) return out;
  for (auto& l : split(*content, '\n')) {
    auto t = trim(l);
    if (!t.empty() && std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
  }
  return out;
}

Status Folders::subscribe(std::string_view mailbox, bool on) {
  auto subs = subscriptions();
  auto it = std::find(subs.begin(), subs.end(), mailbox);
  if (on && it == subs.end()) subs.emplace_back(mailbox);
  if (!on && it != subs.end()) subs.erase(it);
  std::string out;
  for (auto& s : subs) out += s + "\n";
  return write_file_atomic(maildir_ + "/subscriptions", out, 0600);
}

std::string_view special_use(std::string_view mailbox) {
  if (mailbox == "Drafts") return "\\Drafts";
  if (mailbox == "Sent") return "\\Sent";
  if (mailbox == "Trash") return "\\Trash";
  if (mailbox == "Junk") return "\\Junk";
  if (mailbox == "Archive") return "\\Archive";
  return "";
}

std::string_view supported_special_use(std::string_view attribute) {
  for (std::string_view a : {"\\Archive", "\\Drafts", "\\Junk", "\\Sent", "\\Trash"})
    if (iequals(a, attribute)) return a;
  return "";
}

std::string Folders::special_use_of(std::string_view mailbox) const {
  auto stored = read_file(dir(mailbox) + "/posta-specialuse", 64);
  if (stored) {
    std::string_view a = *stored;
    while (!a.empty() && (a.back() == '\n' || a.back() == ' ')) a.remove_suffix(1);
    if (auto s = supported_special_use(a); !s.empty()) return std::string(s);
  }
  return std::string(special_use(mailbox));
}

Status Folders::set_special_use(std::string_view mailbox, std::string_view attribute) {
  auto a = supported_special_use(attribute);
  if (a.empty()) return fail("unsupported special-use attribute", EINVAL);
  return write_file_atomic(dir(mailbox) + "/posta-specialuse", std::string(a) + "\n", 0600);
}

}  // namespace posta::mailstore
