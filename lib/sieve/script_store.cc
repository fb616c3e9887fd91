#include "sieve/script_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>

#include "base/strings.h"
#include "control/control.h"
#include "io/fd.h"
#include "sieve/compiled_form.h"

namespace posta::sieve {

namespace {

constexpr std::string_view kSuffix = ".sieve";
constexpr std::string_view kCompiledSuffix = ".svbin";
// compiled_form.cc refuses larger forms for a script of the default size limit
constexpr size_t kMaxCompiledBytes = 4 * (1 << 20) + 4096;
constexpr size_t kMaxNameChars = 128;
constexpr size_t kMaxReadBytes = 16 << 20;

bool control_code_point(long cp) {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029;
}

std::string quoted(std::string_view name) { return "\"" + std::string(name) + "\""; }

Status link_failed(const std::string& what, std::string_view to) {
  if (errno == EEXIST) return fail("a script named " + quoted(to) + " already exists", kScriptExists);
  return fail_sys(what);
}

// A compiled form: a regular file (not a FIFO that would block delivery, not a link) of
// bounded size; ENOENT when there is none.
Result<std::string> read_compiled(const std::string& path) {
  POSTA_TRY(Fd fd, open_fd(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW));
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return fail_sys("unable to stat " + path);
  if (!S_ISREG(st.st_mode)) return fail("not a regular file");
  if (static_cast<uint64_t>(st.st_size) > kMaxCompiledBytes) return fail("invalid compiled form: too large");
  return read_all(fd.get(), kMaxCompiledBytes);
}

}  // namespace

StoreLimits StoreLimits::from_control(const Control& control) {
  StoreLimits l;
  long long size = control.number("sievemaxsize", static_cast<long long>(l.max_size));
  long long count = control.number("sievemaxscripts", static_cast<long long>(l.max_scripts));
  if (size >= 0) l.max_size = static_cast<size_t>(size);
  if (count >= 0) l.max_scripts = static_cast<size_t>(count);
  return l;
}

bool valid_script_name(std::string_view name) {
  if (name.empty() || name.front() == '.') return false;
  size_t chars = 0;
  for (size_t i = 0; i < name.size();) {
    long cp = next_utf8(name, i);
    if (cp < 0 || cp == '/' || control_code_point(cp)) return false;
    if (++chars > kMaxNameChars) return false;
  }
  return true;
}

ScriptStore::ScriptStore(std::string maildir, StoreLimits limits)
    : dir_(std::move(maildir) + "/sieve"), limits_(limits) {}

std::string ScriptStore::path_of(std::string_view name) const {
  return dir_ + "/" + std::string(name) + std::string(kSuffix);
}

std::string ScriptStore::compiled_path_of(std::string_view name) const {
  return dir_ + "/" + std::string(name) + std::string(kCompiledSuffix);
}

std::string ScriptStore::active_link() const { return dir_ + "/active"; }

Status ScriptStore::check_name(std::string_view name) const {
  if (valid_script_name(name)) return {};
  return fail("invalid script name " + quoted(name) +
                  ": 1 to 128 UTF-8 characters, no '/', no control characters, not starting with '.'",
              kScriptBadName);
}

Result<std::vector<ScriptInfo>> ScriptStore::list() const {
  std::vector<ScriptInfo> out;
  DIR* d = ::opendir(dir_.c_str());
  if (!d) {
    if (errno == ENOENT) return out;
    return fail_sys("unable to open " + dir_);
  }
  while (dirent* e = ::readdir(d)) {
    std::string_view file = e->d_name;
    if (!file.ends_with(kSuffix)) continue;
    std::string_view name = file.substr(0, file.size() - kSuffix.size());
    if (!valid_script_name(name)) continue;
    struct stat st;
    if (::lstat((dir_ + "/" + std::string(file)).c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    out.push_back({std::string(name), false});
  }
  ::closedir(d);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  POSTA_TRY(auto act, active());
  if (act) {
    for (auto& s : out) s.active = s.name == *act;
  }
  return out;
}

Result<std::string> ScriptStore::get(std::string_view name) const {
  if (auto c = check_name(name); !c) return std::unexpected(c.error());
  auto content = read_file(path_of(name), kMaxReadBytes);
  if (!content && content.error().code == ENOENT) {
    return fail("no script named " + quoted(name), kScriptNotFound);
  }
  return content;
}

Result<std::optional<std::string>> ScriptStore::active() const {
  char buf[512];
  ssize_t n = ::readlink(active_link().c_str(), buf, sizeof buf);
  if (n < 0) {
    if (errno == ENOENT) return std::nullopt;
    return fail_sys("unable to read the link " + active_link());
  }
  std::string_view target(buf, static_cast<size_t>(n));
  if (static_cast<size_t>(n) == sizeof buf || !target.ends_with(kSuffix)) return std::nullopt;
  std::string_view name = target.substr(0, target.size() - kSuffix.size());
  struct stat st;
  if (!valid_script_name(name) || ::stat(path_of(name).c_str(), &st) != 0) return std::nullopt;
  return std::string(name);
}

Status ScriptStore::check_space(std::string_view name, size_t size) const {
  if (auto c = check_name(name); !c) return c;
  if (limits_.max_size && size > limits_.max_size) {
    return fail("script of " + std::to_string(size) + " bytes exceeds the limit of " +
                    std::to_string(limits_.max_size) + " bytes",
                kScriptTooBig);
  }
  if (!limits_.max_scripts) return {};
  POSTA_TRY(auto scripts, list());
  bool replaces = std::any_of(scripts.begin(), scripts.end(), [&](const auto& s) { return s.name == name; });
  if (!replaces && scripts.size() >= limits_.max_scripts) {
    return fail("too many scripts: the limit is " + std::to_string(limits_.max_scripts), kScriptTooMany);
  }
  return {};
}

Status ScriptStore::put(std::string_view name, std::string_view content) {
  if (auto c = check_space(name, content.size()); !c) return c;
  if (::mkdir(dir_.c_str(), 0700) != 0 && errno != EEXIST) return fail_sys("unable to create " + dir_);
  POSTA_TRY(auto tmp, TempFile::create(dir_, 0600));
  if (auto w = write_all(tmp.fd(), content); !w) return fail(w.error().what + " " + tmp.path(), w.error().code);
  auto compiled = compile_with_form(content);
  if (auto st = tmp.commit(path_of(name)); !st) return st;
  if (compiled) {
    (void)save_compiled(name, compiled->form);
  } else {
    ::unlink(compiled_path_of(name).c_str());
  }
  return {};
}

Status ScriptStore::save_compiled(std::string_view name, std::string_view form) const {
  if (auto c = check_name(name); !c) return c;
  // TempFile::commit() would fsync twice; a cache does without (see the header)
  static std::atomic<unsigned> counter{0};
  std::string tmp = dir_ + "/.tmp.svbin." + std::to_string(::getpid()) + "." + std::to_string(counter++);
  {
    POSTA_TRY(Fd fd, open_fd(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600));
    if (auto w = write_all(fd.get(), form); !w) {
      ::unlink(tmp.c_str());
      return fail(w.error().what + " " + tmp, w.error().code);
    }
  }
  if (::rename(tmp.c_str(), compiled_path_of(name).c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return fail_sys("unable to rename to " + compiled_path_of(name), err);
  }
  return {};
}

Result<Script> ScriptStore::load(std::string_view name, std::string_view text, const CompileOptions& options,
                                 bool save, LoadNote* note) const {
  LoadNote local;
  LoadNote& n = note ? *note : local;
  n = LoadNote{};
  if (valid_script_name(name)) {
    auto form = read_compiled(compiled_path_of(name));
    if (form) {
      auto script = load_form(*form, text, options);
      if (script) {
        n.from_form = true;
        return script;
      }
      n.refused = script.error().what;
    } else if (form.error().code != ENOENT) {
      n.refused = form.error().what;
    }
  }
  POSTA_TRY(auto compiled, compile_with_form(text, options));
  if (save) {
    auto st = save_compiled(name, compiled.form);
    n.saved = st.has_value();
    if (!st) n.save_error = st.error().what;
  }
  return std::move(compiled.script);
}

Status ScriptStore::rename(std::string_view from, std::string_view to) {
  if (auto c = check_name(from); !c) return c;
  if (auto c = check_name(to); !c) return c;
  POSTA_TRY(auto act, active());
  std::string old_path = path_of(from), new_path = path_of(to);
  // link() refuses an existing target, so a concurrent put of `to` is never overwritten.
  if (::link(old_path.c_str(), new_path.c_str()) != 0) {
    if (errno == ENOENT) return fail("no script named " + quoted(from), kScriptNotFound);
    return link_failed("unable to link " + old_path + " to " + new_path, to);
  }
  if (act == from) {
    if (auto a = activate(to); !a) return a;
  }
  if (::unlink(old_path.c_str()) != 0) return fail_sys("unable to remove " + old_path);
  // the form belongs to the text, which did not change; a form left behind is only stale
  ::rename(compiled_path_of(from).c_str(), compiled_path_of(to).c_str());
  return fsync_dir(dir_);
}

Status ScriptStore::activate(std::string_view name) {
  if (auto c = check_name(name); !c) return c;
  struct stat st;
  if (::stat(path_of(name).c_str(), &st) != 0) {
    if (errno == ENOENT) return fail("no script named " + quoted(name), kScriptNotFound);
    return fail_sys("unable to stat " + path_of(name));
  }
  static std::atomic<unsigned> counter{0};
  std::string tmp = dir_ + "/.tmp.active." + std::to_string(::getpid()) + "." + std::to_string(counter++);
  std::string target = std::string(name) + std::string(kSuffix);
  if (::symlink(target.c_str(), tmp.c_str()) != 0) return fail_sys("unable to create the link " + tmp);
  if (::rename(tmp.c_str(), active_link().c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return fail_sys("unable to rename to " + active_link(), err);
  }
  return fsync_dir(dir_);
}

Status ScriptStore::deactivate() {
  if (::unlink(active_link().c_str()) != 0) {
    if (errno == ENOENT) return {};
    return fail_sys("unable to remove " + active_link());
  }
  return fsync_dir(dir_);
}

Status ScriptStore::remove(std::string_view name) {
  if (auto c = check_name(name); !c) return c;
  POSTA_TRY(auto act, active());
  if (act == name) {
    return fail("script " + quoted(name) + " is active: deactivate it first", kScriptActive);
  }
  if (::unlink(path_of(name).c_str()) != 0) {
    if (errno == ENOENT) return fail("no script named " + quoted(name), kScriptNotFound);
    return fail_sys("unable to remove " + path_of(name));
  }
  ::unlink(compiled_path_of(name).c_str());
  return fsync_dir(dir_);
}

}  // namespace posta::sieve
