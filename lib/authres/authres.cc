#include "authres/authres.h"

#include <algorithm>

#include "mailhdr/mailhdr.h"

namespace posta::authres {
namespace {

// RFC 2045 token characters (printable ASCII without specials and space).
bool token_char(char c) {
  return c > ' ' && c < 0x7f && std::string_view("()<>@,;:\\\"/[]?=").find(c) == std::string_view::npos;
}

std::string quoted(std::string_view v) {
  std::string out = "\"";
  for (char c : v) {
    if (static_cast<unsigned char>(c) < ' ' || c == 0x7f) continue;
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

// A value as RFC 8601 section 2.2 allows it: a token, an addr-spec-like local@domain of token
// characters, else a quoted-string.
std::string value(std::string_view v) {
  auto at = v.find('@');
  bool one_at = at != std::string_view::npos && at + 1 < v.size() && v.find('@', at + 1) == std::string_view::npos;
  bool plain = !v.empty() && std::all_of(v.begin(), v.end(), [&](char c) { return token_char(c) || (c == '@' && one_at); });
  return plain ? std::string(v) : quoted(v);
}

std::string comment(std::string_view why) {
  std::string out = "(";
  for (char c : why) {
    if (static_cast<unsigned char>(c) < ' ' || c == 0x7f) continue;
    if (c == '(' || c == ')' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + ")";
}

std::string spf_part(const SpfResult& s) {
  std::string out = "spf=" + value(s.result.empty() ? "none" : lower(s.result));
  if (!s.mailfrom.empty()) out += " smtp.mailfrom=" + value(s.mailfrom);
  else if (!s.helo.empty()) out += " smtp.helo=" + value(s.helo);
  return out;
}

std::string dkim_part(const dkim::Verdict& v) {
  std::string out = std::string("dkim=") + dkim::result_name(v.result);
  if (!v.reason.empty()) out += " " + comment(v.reason);
  if (!v.domain.empty()) out += " header.d=" + value(v.domain);
  if (!v.selector.empty()) out += " header.s=" + value(v.selector);
  if (!v.algorithm.empty()) out += " header.a=" + value(v.algorithm);
  return out;
}

std::string dmarc_part(const dmarc::Evaluation& e) {
  std::string out = std::string("dmarc=") + dmarc::outcome_name(e.result);
  std::string why;
  if (e.record) {
    why = std::string("p=") + dmarc::policy_name(e.record->p);
    if (e.record->sp) why += std::string(" sp=") + dmarc::policy_name(*e.record->sp);
    why += std::string(" dis=") + dmarc::policy_name(e.disposition);
    if (e.sampled_out) why += " pct=" + std::to_string(e.record->pct);
  } else {
    why = e.reason;
  }
  if (!why.empty()) out += " " + comment(why);
  if (!e.from_domain.empty()) out += " header.from=" + value(e.from_domain);
  if (e.record) out += std::string(" policy.dmarc=") + dmarc::policy_name(e.disposition);
  return out;
}

// Skips white space and (nested) comments from pos.
size_t skip_cfws(std::string_view s, size_t pos) {
  int depth = 0;
  while (pos < s.size()) {
    char c = s[pos];
    if (depth > 0 && c == '\\') {
      pos += 2;
      continue;
    }
    if (c == '(') ++depth;
    else if (c == ')' && depth > 0) --depth;
    else if (depth == 0 && c != ' ' && c != '\t' && c != '\r' && c != '\n') break;
    ++pos;
  }
  return pos;
}

}  // namespace

std::string authserv_id(const Control& control) {
  std::string id = control.string("authservid");
  return id.empty() ? control.string("me") : id;
}

std::string build(std::string_view id, const Checks& c) {
  std::vector<std::string> parts;
  if (c.spf) parts.push_back(spf_part(*c.spf));
  if (c.dkim) {
    if (c.dkim->empty()) parts.push_back("dkim=none");
    for (auto& v : *c.dkim) parts.push_back(dkim_part(v));
  }
  if (c.dmarc) parts.push_back(dmarc_part(*c.dmarc));
  std::string out = "Authentication-Results: " + value(id) + ";";
  if (parts.empty()) return out + " none\r\n";
  for (size_t i = 0; i < parts.size(); ++i) out += "\r\n\t" + parts[i] + (i + 1 < parts.size() ? ";" : "");
  return out + "\r\n";
}

bool names_authserv_id(std::string_view v, std::string_view id) {
  size_t pos = skip_cfws(v, 0);
  std::string got;
  if (pos < v.size() && v[pos] == '"') {
    for (++pos; pos < v.size() && v[pos] != '"'; ++pos) {
      if (v[pos] == '\\' && pos + 1 < v.size()) ++pos;
      got.push_back(v[pos]);
    }
  } else {
    while (pos < v.size() && v[pos] != ';' && v[pos] != '(' && v[pos] != ' ' && v[pos] != '\t' && v[pos] != '\r' &&
           v[pos] != '\n')
      got.push_back(v[pos++]);
  }
  return !id.empty() && iequals(got, id);
}

std::string strip_ours(std::string_view message, std::string_view id) {
  auto h = mailhdr::parse_header(message);
  std::string out;
  size_t copied = 0;
  for (auto& f : h.fields) {
    if (!iequals(f.name, "Authentication-Results") || !names_authserv_id(f.value, id)) continue;
    out.append(message.substr(copied, f.offset - copied));
    copied = f.offset + f.length;
  }
  out.append(message.substr(copied));
  return out;
}

}  // namespace posta::authres
