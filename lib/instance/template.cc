#include "instance/template.h"

#include <sys/stat.h>

#include <cctype>
#include <charconv>
#include <cstdlib>

namespace posta {

namespace {

bool is_name_char(char c) {
  return std::isupper(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) ||
         c == '_' || c == ':';
}

// Value of one placeholder name (between the two '@'), or an error.
Result<std::string> placeholder_value(const std::string& name, const TemplateVars& vars) {
  if (name.rfind("PORT:", 0) == 0) {
    std::string_view num(name);
    num.remove_prefix(5);
    long n = 0;
    auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), n);
    if (ec != std::errc() || p != num.data() + num.size() || num.empty() || n < 0 || n > 65535)
      return fail("bad port placeholder @" + name + "@");
    long port = vars.port_base + n;
    if (port < 1 || port > 65535) return fail("port out of range in @" + name + "@");
    return std::to_string(port);
  }
  auto it = vars.values.find(name);
  if (it == vars.values.end()) return fail("unknown placeholder @" + name + "@");
  return it->second;
}

bool is_dir(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

Result<std::string> expand_template(std::string_view text, const TemplateVars& vars) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] != '@') {
      out += text[i++];
      continue;
    }
    size_t j = i + 1;
    if (text.substr(i).starts_with("@PORT:")) {
      // always a placeholder: a malformed one is an error, never left in a run script
      j = text.find('@', i + 1);
      if (j == std::string_view::npos) return fail("unterminated @PORT: placeholder");
    }
    while (j < text.size() && is_name_char(text[j])) ++j;
    bool looks = j > i + 1 && j < text.size() && text[j] == '@' && !std::isdigit(static_cast<unsigned char>(text[i + 1])) &&
                 text[i + 1] != ':';
    if (!looks) {
      out += text[i++];
      continue;
    }
    auto v = placeholder_value(std::string(text.substr(i + 1, j - i - 1)), vars);
    if (!v) return std::unexpected(v.error());
    out += *v;
    i = j + 1;
  }
  return out;
}

std::string find_etc_dir(const std::string& bindir) {
  auto usable = [](const std::string& d) { return is_dir(d + "/service") || is_dir(d + "/control"); };
  const char* env = std::getenv("POSTA_ETC");
  if (env && *env) return usable(env) ? std::string(env) : std::string();
  for (const char* rel : {"/../share/posta/etc", "/../../etc"}) {
    std::string d = bindir + rel;
    if (usable(d)) return d;
  }
  return {};
}

}  // namespace posta
