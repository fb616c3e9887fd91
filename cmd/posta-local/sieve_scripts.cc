#include "sieve_scripts.h"

#include <unistd.h>

#include <climits>

#include "io/fd.h"

namespace posta::local {

namespace {

constexpr size_t kMaxScript = 1 << 20;

bool valid_name(std::string_view name) {
  return !name.empty() && name.size() <= 200 && name[0] != '.' && name.find('/') == std::string_view::npos &&
         name.find('\0') == std::string_view::npos;
}

// The text of a script file; ENOENT when missing.
Result<std::string> read_script(const std::string& path) { return read_file(path, kMaxScript); }

// The file the active link names: "<maildir>/sieve/<name>.sieve", or ENOENT.
Result<std::string> active_script_path(const std::string& maildir) {
  std::string link = maildir + "/sieve/active";
  char buf[PATH_MAX];
  ssize_t n = ::readlink(link.c_str(), buf, sizeof buf - 1);
  if (n < 0) {
    if (errno == ENOENT || errno == EINVAL) return fail("no active script", ENOENT);
    return fail_sys("unable to read " + link);
  }
  std::string target(buf, static_cast<size_t>(n));
  if (!target.ends_with(".sieve") || !valid_name(target)) return fail("active link " + link + " points outside the script directory");
  return maildir + "/sieve/" + target;
}

}  // namespace

SieveScripts load_sieve_scripts(const std::string& home, const std::string& maildir, const std::string& user) {
  SieveScripts out;
  auto load = [&](const Result<std::string>& path, sieve::Script& into, const char* what) {
    if (!path) {
      if (path.error().code != ENOENT && out.error.empty()) out.error = path.error().what;
      return;
    }
    auto text = read_script(*path);
    if (!text) {
      if (text.error().code != ENOENT && out.error.empty()) out.error = text.error().what;
      return;
    }
    auto script = sieve::compile(*text);
    if (!script) {
      if (out.error.empty()) out.error = std::string(what) + " " + *path + ": " + script.error().what;
      return;
    }
    into = std::move(*script);
  };
  (void)user;
  load(home + "/sieve/before.sieve", out.before, "before-script");
  load(active_script_path(maildir), out.user, "script");
  load(home + "/sieve/after.sieve", out.after, "after-script");
  return out;
}

Result<std::string> load_included_script(const std::string& home, const std::string& maildir,
                                         std::string_view name, bool global) {
  if (!valid_name(name)) return fail("invalid script name");
  std::string dir = global ? home + "/sieve/" : maildir + "/sieve/";
  return read_script(dir + std::string(name) + ".sieve");
}

}  // namespace posta::local
