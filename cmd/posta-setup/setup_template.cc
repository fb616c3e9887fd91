// Service and control templates from etc/ into the instance.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "control/control.h"
#include "io/fd.h"
#include "log/log.h"
#include "setup.h"

namespace posta::setup {

Result<std::vector<std::string>> list_dir(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return fail_sys("unable to open directory " + dir);
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n.starts_with(".") || n.ends_with("~")) continue;
    names.push_back(n);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

namespace {

bool exists(const std::string& p) {
  struct stat st;
  return ::lstat(p.c_str(), &st) == 0;
}

bool is_dir(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

Status make_dir(const std::string& p, mode_t mode) {
  if (::mkdir(p.c_str(), mode) != 0 && errno != EEXIST) return fail_sys("unable to create " + p);
  return {};
}

// Writes via a temp name and rename, so a running supervisor never sees half a run file.
// Durability comes from one syncfs() at the end of posta-setup.
Status write_file(const std::string& path, std::string_view data, mode_t mode) {
  std::string tmp = path + ".tmp";
  {
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
    if (!fd) return fail_sys("unable to create " + tmp);
    if (auto s = write_all(fd.get(), data); !s) return s;
    if (::fchmod(fd.get(), mode) != 0) return fail_sys("unable to chmod " + tmp);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) return fail_sys("unable to rename " + tmp);
  return {};
}

// Copies the tree src into dst expanding placeholders in every regular file.
Status copy_tree(const std::string& src, const std::string& dst, const TemplateVars& vars,
                 bool top) {
  auto names = list_dir(src);
  if (!names) return std::unexpected(names.error());
  if (auto s = make_dir(dst, 0755); !s) return s;
  for (auto& n : *names) {
    if (top && n == "requires") continue;
    std::string s = src + "/" + n, d = dst + "/" + n;
    struct stat st;
    if (::stat(s.c_str(), &st) != 0) return fail_sys("unable to stat " + s);
    if (S_ISDIR(st.st_mode)) {
      if (auto r = copy_tree(s, d, vars, false); !r) return r;
      continue;
    }
    if (!S_ISREG(st.st_mode)) continue;
    auto text = read_file(s, 1 << 20);
    if (!text) return std::unexpected(text.error());
    auto out = expand_template(*text, vars);
    if (!out) return fail(s + ": " + out.error().what);
    if (auto w = write_file(d, *out, st.st_mode & 0755); !w) return w;
  }
  return {};
}

// The programs a template needs, from its `requires` file; empty when all are in bindir.
std::vector<std::string> missing_programs(const std::string& tdir, const std::string& bindir) {
  std::vector<std::string> missing;
  auto text = read_file(tdir + "/requires", 64 << 10);
  if (!text) return missing;
  for (auto& raw : split(*text, '\n')) {
    std::string l = trim(raw);
    if (l.empty() || l[0] == '#') continue;
    if (::access((bindir + "/" + l).c_str(), X_OK) != 0) missing.push_back(l);
  }
  return missing;
}

std::string log_run(const std::string& home, const std::string& svc, const std::string& user) {
  std::string dir = home + "/log/" + svc;
  std::string log = "s6-log -b -- n20 s1000000 T " + dir;
  return "#!/bin/sh\n"
         "# Written by posta-setup: the log of service " + svc + ".\n"
         "exec 2>&1\n"
         "if [ \"$(id -u)\" = 0 ]; then exec s6-setuidgid " + user + " " + log + "; fi\n"
         "exec " + log + "\n";
}

}  // namespace

Result<std::vector<std::string>> install_services(const std::string& etc, const std::string& home,
                                                  const TemplateVars& vars, bool overwrite) {
  std::vector<std::string> done;
  std::string sdir = etc + "/service";
  if (!is_dir(sdir)) return done;
  auto names = list_dir(sdir);
  if (!names) return std::unexpected(names.error());
  const std::string& bindir = vars.values.at("BIN");
  for (auto& svc : *names) {
    std::string t = sdir + "/" + svc, d = home + "/service/" + svc;
    if (!is_dir(t)) continue;
    if (auto miss = missing_programs(t, bindir); !miss.empty()) {
      log::info("service ", svc, " skipped: ", miss.front(), " not in ", bindir);
      continue;
    }
    if (exists(d) && !overwrite) continue;
    if (auto s = copy_tree(t, d, vars, true); !s) return std::unexpected(s.error());
    if (auto s = make_dir(home + "/log/" + svc, 0750); !s) return std::unexpected(s.error());
    if (!exists(t + "/log/run")) {
      if (auto s = make_dir(d + "/log", 0755); !s) return std::unexpected(s.error());
      auto s = write_file(d + "/log/run", log_run(home, svc, vars.values.at("USER")), 0755);
      if (!s) return std::unexpected(s.error());
    }
    done.push_back(svc);
  }
  return done;
}

Result<std::vector<std::string>> install_control(const std::string& etc, const std::string& home,
                                                 const TemplateVars& vars) {
  std::vector<std::string> done;
  std::string cdir = etc + "/control";
  if (!is_dir(cdir)) return done;
  auto names = list_dir(cdir);
  if (!names) return std::unexpected(names.error());
  for (auto& n : *names) {
    std::string s = cdir + "/" + n, d = home + "/control/" + n;
    if (is_dir(s) || exists(d)) continue;
    auto text = read_file(s, 1 << 20);
    if (!text) return std::unexpected(text.error());
    auto out = expand_template(*text, vars);
    if (!out) return fail(s + ": " + out.error().what);
    struct stat st;
    mode_t mode = ::stat(s.c_str(), &st) == 0 ? (st.st_mode & 0755) : 0644;
    if (auto w = write_file(d, *out, mode); !w) return std::unexpected(w.error());
    done.push_back(n);
  }
  return done;
}

Status install_spam(const std::string& etc, const std::string& home) {
  for (const char* d : {"/spam", "/spam/tmp", "/spam/learn", "/spam/learn/tmp", "/spam/learn/new"}) {
    mode_t mode = std::string_view(d) == "/spam" ? 0750 : 0700;
    std::string p = home + d;
    if (::mkdir(p.c_str(), mode) != 0 && errno != EEXIST) return fail_sys("unable to create " + p);
  }
  std::string src = etc + "/spam/rules";
  if (!exists(src)) return {};
  auto text = read_file(src, 4 << 20);
  if (!text) return std::unexpected(text.error());
  return write_file_atomic(home + "/spam/rules", *text, 0644);
}

}  // namespace posta::setup
