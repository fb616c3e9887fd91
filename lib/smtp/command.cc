#include "smtp/command.h"

#include <array>
#include <charconv>

#include "base/hex.h"
#include "base/strings.h"

namespace posta::smtp {
namespace {

struct VerbName {
  const char* name;
  Verb verb;
};
constexpr std::array<VerbName, 14> kVerbs{{
    {"HELO", Verb::kHelo}, {"EHLO", Verb::kEhlo}, {"MAIL", Verb::kMail},
    {"RCPT", Verb::kRcpt}, {"DATA", Verb::kData}, {"BDAT", Verb::kBdat},
    {"RSET", Verb::kRset}, {"NOOP", Verb::kNoop}, {"QUIT", Verb::kQuit},
    {"VRFY", Verb::kVrfy}, {"EXPN", Verb::kExpn}, {"HELP", Verb::kHelp},
    {"STARTTLS", Verb::kStartTls}, {"AUTH", Verb::kAuth},
}};

bool alnum(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

Result<Param> parse_param(std::string_view p, bool allow_utf8) {
  Param out;
  size_t eq = p.find('=');
  std::string_view kw = p.substr(0, eq);
  if (kw.empty() || !alnum(static_cast<unsigned char>(kw[0]))) return fail("invalid parameter keyword");
  for (unsigned char c : kw)
    if (!alnum(c) && c != '-') return fail("invalid parameter keyword");
  out.keyword = upper(std::string(kw));
  if (eq == std::string_view::npos) return out;
  std::string_view v = p.substr(eq + 1);
  if (v.empty()) return fail("empty value for parameter " + out.keyword);
  for (unsigned char c : v) {
    bool ok = (c >= 33 && c <= 126 && c != '=') || (allow_utf8 && c >= 0x80);
    if (!ok) return fail("invalid value for parameter " + out.keyword);
  }
  if (allow_utf8 && !valid_utf8(v)) return fail("invalid UTF-8 in parameter " + out.keyword);
  out.value = std::string(v);
  return out;
}

int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;  // RFC 3461: upper-case hex only
}

}  // namespace

Result<Command> parse_command(std::string_view line) {
  while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
  for (unsigned char c : line)
    if (c < 32 || c == 127) return fail("control character in command");
  Command cmd;
  size_t sp = line.find(' ');
  std::string_view verb = line.substr(0, sp);
  if (verb.empty()) return fail("empty command");
  cmd.name = upper(std::string(verb.substr(0, 32)));
  for (auto& v : kVerbs)
    if (cmd.name == v.name) cmd.verb = v.verb;
  if (sp != std::string_view::npos) {
    size_t a = line.find_first_not_of(' ', sp);
    if (a != std::string_view::npos) cmd.arg = line.substr(a);
  }
  return cmd;
}

const Param* PathArgs::find(std::string_view keyword) const {
  for (auto& p : params)
    if (p.keyword == keyword) return &p;
  return nullptr;
}

Result<PathArgs> parse_path_args(std::string_view arg, std::string_view prefix, bool allow_utf8,
                                 bool allow_null) {
  if (arg.size() < prefix.size() || strncasecmp(arg.data(), prefix.data(), prefix.size()) != 0)
    return fail(std::string("syntax: expected ") + std::string(prefix) + "<address>");
  arg.remove_prefix(prefix.size());
  while (!arg.empty() && arg.front() == ' ') arg.remove_prefix(1);
  PathArgs out;
  std::string_view rest;
  auto path = parse_path(arg, allow_utf8, allow_null, &rest);
  if (!path) return std::unexpected(path.error());
  out.path = std::move(*path);
  if (!rest.empty() && rest.front() != ' ') return fail("junk after address");
  while (!rest.empty()) {
    rest.remove_prefix(1);  // the separating space
    size_t sp = rest.find(' ');
    auto p = parse_param(rest.substr(0, sp), allow_utf8);
    if (!p) return std::unexpected(p.error());
    if (out.find(p->keyword)) return fail("duplicate parameter " + p->keyword);
    out.params.push_back(std::move(*p));
    rest = sp == std::string_view::npos ? std::string_view{} : rest.substr(sp);
  }
  return out;
}

Result<std::string> xtext_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '+') {
      if (i + 2 >= s.size()) return fail("truncated xtext escape");
      int h = hexval(s[i + 1]), l = hexval(s[i + 2]);
      if (h < 0 || l < 0) return fail("invalid xtext escape");
      out += static_cast<char>(h * 16 + l);
      i += 2;
    } else if (c < 33 || c > 126 || c == '=') {
      return fail("invalid character in xtext");
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string xtext_encode(std::string_view s) {
  return hex_escape(s, "+", [](unsigned char c) { return c < 33 || c > 126 || c == '+' || c == '='; });
}

Result<BdatArgs> parse_bdat(std::string_view arg) {
  BdatArgs out;
  size_t sp = arg.find(' ');
  std::string_view num = arg.substr(0, sp);
  if (num.empty() || num.size() > 18) return fail("syntax: BDAT size [LAST]");
  auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), out.size);
  if (ec != std::errc() || p != num.data() + num.size()) return fail("syntax: BDAT size [LAST]");
  if (sp != std::string_view::npos) {
    std::string_view last = arg.substr(sp + 1);
    if (last.size() != 4 || strncasecmp(last.data(), "LAST", 4) != 0) return fail("syntax: BDAT size [LAST]");
    out.last = true;
  }
  return out;
}

}  // namespace posta::smtp
