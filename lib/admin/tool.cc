#include "admin/tool.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <charconv>
#include <ctime>
#include <iostream>

#include "accounts/password.h"
#include "base/exitcode.h"
#include "control/control.h"
#include "daemon/daemon.h"
#include "io/fd.h"
#include "log/log.h"

namespace posta::admin {

using namespace accounts;

std::string home_or_default(const std::string& opt) { return opt.empty() ? posta_home() : opt; }

Result<Accounts> open_for(const std::string& home, bool write) {
  if (auto st = become_instance_owner(home); !st) return std::unexpected(st.error());
  return Accounts::open(home, write ? Accounts::Mode::kReadWrite : Accounts::Mode::kReadOnly);
}

int exit_code(const Error& e) {
  switch (e.code) {
    case kErrNotFound:
    case kErrExists:
    case kErrRefused: return kExitNotFound;
    case kErrInvalid: return kExitUsage;
    default: return kExitTemporary;
  }
}

int report(const Error& e) {
  int rc = exit_code(e);
  if (rc == kExitTemporary) log::line("fatal", e.what);
  else log::error(e.what);
  return rc;
}

namespace {

Result<std::string> read_tty_line(int fd, const char* prompt) {
  (void)write_all(fd, prompt);
  termios old{}, quiet{};
  bool tty = ::tcgetattr(fd, &old) == 0;
  if (tty) {
    quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  std::string line;
  char c;
  ssize_t n;
  while ((n = ::read(fd, &c, 1)) == 1 && c != '\n' && line.size() < 4096) line += c;
  if (tty) ::tcsetattr(fd, TCSAFLUSH, &old);
  (void)write_all(fd, "\n");
  if (n < 0) return fail_sys("unable to read password");
  return line;
}

Result<std::string> prompt_password() {
  auto tty = open_fd("/dev/tty", O_RDWR | O_NOCTTY);
  if (!tty) return std::unexpected(tty.error());
  auto a = read_tty_line(tty->get(), "Password: ");
  if (!a) return a;
  auto b = read_tty_line(tty->get(), "Retype password: ");
  if (!b) return b;
  if (*a != *b) return fail("passwords do not match", kErrInvalid);
  return a;
}

Result<std::string> stdin_password() {
  std::string line;
  char c;
  ssize_t n;
  while ((n = ::read(0, &c, 1)) == 1 && c != '\n') {
    if (line.size() >= 4096) return fail("password longer than 4096 bytes", kErrInvalid);
    line += c;
  }
  if (n < 0) return fail_sys("unable to read password from stdin");
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

}  // namespace

Result<std::string> obtain_hash(const PasswordSource& src) {
  if (src.none) return std::string();
  if (!src.hash.empty()) return normalize_hash(src.hash);
  Result<std::string> pw = fail("no password given: use --password-stdin, --password-hash or --no-password", kErrInvalid);
  if (src.from_stdin) pw = stdin_password();
  else if (::isatty(0)) pw = prompt_password();
  if (!pw) return std::unexpected(pw.error());
  if (pw->empty()) return fail("empty password refused", kErrInvalid);
  auto h = hash_password(*pw);
  explicit_bzero(pw->data(), pw->size());
  return h;
}

Result<uint64_t> parse_count(std::string_view s) {
  auto v = parse_uint(s);
  if (!v) return fail("not a number: " + std::string(s), kErrInvalid);
  return *v;
}

Result<uint64_t> parse_size(std::string_view s) {
  auto v = parse_byte_size(s);
  if (!v) return fail("not a size (N, NK, NM, NG, NT): " + std::string(s), kErrInvalid);
  return *v;
}

std::string format_time(int64_t t) {
  if (t == 0) return "-";
  time_t tt = static_cast<time_t>(t);
  struct tm tm{};
  ::gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string json_array(const std::vector<std::string>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? "," : "") + json_string(v[i]);
  return out + "]";
}

std::string tsv_escape(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c == '\t') out += "\\t";
    else if (c == '\n') out += "\\n";
    else if (c == '\\') out += "\\\\";
    else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else out += static_cast<char>(c);
  }
  return out;
}

Result<std::string> tsv_unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\') {
      out += s[i];
      continue;
    }
    if (++i >= s.size()) return fail("dangling backslash", kErrInvalid);
    char c = s[i];
    if (c == 't') out += '\t';
    else if (c == 'n') out += '\n';
    else if (c == '\\') out += '\\';
    else if (c == 'x' && i + 2 < s.size()) {
      unsigned v = 0;
      auto [p, ec] = std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16);
      if (ec != std::errc() || p != s.data() + i + 3) return fail("bad \\x escape", kErrInvalid);
      out += static_cast<char>(v);
      i += 2;
    } else return fail("bad escape \\" + std::string(1, c), kErrInvalid);
  }
  return out;
}

Result<std::vector<std::string>> tsv_fields(std::string_view line) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t tab = line.find('\t', start);
    auto f = tsv_unescape(line.substr(start, tab == std::string_view::npos ? std::string_view::npos : tab - start));
    if (!f) return std::unexpected(f.error());
    out.push_back(std::move(*f));
    if (tab == std::string_view::npos) return out;
    start = tab + 1;
  }
}

}  // namespace posta::admin
