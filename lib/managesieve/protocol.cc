#include "managesieve/protocol.h"

#include <cctype>

#include "base/strings.h"
#include "imap/parser.h"
#include "imap/writer.h"
#include "sieve/script_store.h"

namespace posta::managesieve {

Result<Command> parse_command(const imap::RawCommand& raw) {
  imap::Parser p(raw);
  Command cmd;
  auto name = p.atom();
  if (!name) return fail("expected a command name");
  cmd.name = upper(*name);
  while (!p.at_end()) {
    if (!p.sp()) return fail("expected a space between arguments");
    Arg a;
    char c = p.peek();
    if (std::isdigit(static_cast<unsigned char>(c))) {
      auto n = p.number();
      if (!n) return fail(p.error());
      a.is_number = true;
      a.number = *n;
    } else if (c == '"' || c == '\0') {
      bool quoted = c == '"';
      auto s = p.string();
      if (!s) return fail(p.error());
      if (quoted && s->size() > kMaxQuoted) return fail("quoted string longer than 1024 octets (use a literal)");
      a.str = std::move(*s);
    } else {
      return fail("expected a string or a number");
    }
    cmd.args.push_back(std::move(a));
  }
  return cmd;
}

Result<std::string> parse_sasl_response(const imap::RawCommand& raw) {
  imap::Parser p(raw);
  auto s = p.string();
  if (!s) return fail("expected a string");
  if (!p.at_end()) return fail("expected nothing after the string");
  return *s;
}

Status expect_args(const Command& cmd, std::string_view spec, size_t optional) {
  auto usage = [&] {
    std::string u = cmd.name;
    for (size_t i = 0; i < spec.size(); ++i) {
      bool opt = i >= spec.size() - optional;
      u += opt ? " [" : " ";
      u += spec[i] == 'n' ? "number" : "string";
      if (opt) u += "]";
    }
    return fail("usage: " + u);
  };
  if (cmd.args.size() > spec.size() || cmd.args.size() < spec.size() - optional) return usage();
  for (size_t i = 0; i < cmd.args.size(); ++i) {
    if (cmd.args[i].is_number != (spec[i] == 'n')) return usage();
  }
  return {};
}

std::string quote(std::string_view s) { return imap::quote(s); }

std::string response(std::string_view kind, std::string_view code, std::string_view text) {
  std::string out(kind);
  if (!code.empty()) out.append(" (").append(code).append(")");
  if (!text.empty()) out.append(" ").append(quote(text));
  return out;
}

std::string_view store_code(const Error& e) {
  switch (e.code) {
    case sieve::kScriptNotFound: return "NONEXISTENT";
    case sieve::kScriptExists: return "ALREADYEXISTS";
    case sieve::kScriptActive: return "ACTIVE";
    case sieve::kScriptTooBig: return "QUOTA/MAXSIZE";
    case sieve::kScriptTooMany: return "QUOTA/MAXSCRIPTS";
    case sieve::kScriptBadName: return "";
    default: return "TRYLATER";
  }
}

std::vector<std::string> capability_lines(const Capabilities& c) {
  std::vector<std::string> out;
  out.push_back("\"IMPLEMENTATION\" \"posta\"");
  std::string exts;
  for (auto& e : c.sieve_extensions) exts += (exts.empty() ? "" : " ") + e;
  out.push_back("\"SIEVE\" " + quote(exts));
  if (!c.authenticated) {
    out.push_back(std::string("\"SASL\" ") + (c.sasl_plain ? "\"PLAIN\"" : "\"\""));
    if (c.starttls) out.push_back("\"STARTTLS\"");
  }
  if (c.max_redirects) out.push_back("\"MAXREDIRECTS\" \"" + std::to_string(c.max_redirects) + "\"");
  out.push_back("\"UNAUTHENTICATE\"");
  out.push_back("\"VERSION\" \"1.0\"");
  return out;
}

}  // namespace posta::managesieve
