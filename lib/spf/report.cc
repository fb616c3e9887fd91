#include "spf/report.h"

#include <cctype>
#include <string_view>

#include "base/strings.h"

namespace posta::spf {
namespace {

// A header parameter value: a dot-atom as it is, anything else quoted (RFC 5322 3.2.4).
std::string quoted(const std::string& v) {
  bool atom = !v.empty();
  for (unsigned char c : v)
    if (!(std::isalnum(c) || std::string_view("!#$%&'*+-/=?^_`{|}~.@").find(static_cast<char>(c)) !=
                                 std::string_view::npos))
      atom = false;
  if (atom) return v;
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') out.push_back('\\');
    if (c != '\r' && c != '\n') out.push_back(c);
  }
  return out + "\"";
}

}  // namespace

std::string result_comment(const CheckResult& r, const net::IpAddr& ip) {
  const std::string& d = r.domain;
  std::string c = ip.str();
  switch (r.code) {
    case ResultCode::kPass: return "domain of " + d + " designates " + c + " as permitted sender";
    case ResultCode::kFail: return "domain of " + d + " does not designate " + c + " as permitted sender";
    case ResultCode::kSoftfail:
      return "transitioning domain of " + d + " does not designate " + c + " as permitted sender";
    case ResultCode::kNeutral:
    case ResultCode::kNone: return c + " is neither permitted nor denied by domain of " + d;
    case ResultCode::kTempError: return "temporary error in processing during lookup of " + d + ": " + r.problem;
    case ResultCode::kPermError: return "permanent error in processing domain of " + d + ": " + r.problem;
  }
  return "";
}

const char* identity_name(const Identity& id) { return id.mail_from.empty() ? "helo" : "mailfrom"; }

std::string received_spf(const CheckResult& r, const Identity& id) {
  std::string host = id.receiver.empty() ? "" : id.receiver + ": ";
  std::string from = id.mail_from.empty() ? "postmaster@" + id.helo : id.mail_from;
  std::string v = std::string(result_name(r.code)) + " (" + host + result_comment(r, id.ip) + ")";
  v += " client-ip=" + id.ip.str() + ";";
  v += " envelope-from=" + quoted(from) + ";";
  if (!id.helo.empty()) v += " helo=" + quoted(id.helo) + ";";
  if (!id.receiver.empty()) v += " receiver=" + quoted(id.receiver) + ";";
  if (!r.mechanism.empty() && r.mechanism != "default") v += " mechanism=" + quoted(r.mechanism) + ";";
  if (!r.problem.empty() && (r.code == ResultCode::kPermError || r.code == ResultCode::kTempError))
    v += " problem=" + quoted(r.problem) + ";";
  v += std::string(" identity=") + identity_name(id);
  return v;
}

std::string env_value(const CheckResult& r, const Identity& id) {
  std::string v = result_name(r.code);
  if (id.mail_from.empty()) return v + " smtp.helo=" + id.helo;
  return v + " smtp.mailfrom=" + id.mail_from;
}

Result<EnvResult> parse_env_value(std::string_view v) {
  auto sp = v.find(' ');
  if (sp == std::string_view::npos) return fail("POSTA_SPF: no identity in \"" + std::string(v) + "\"");
  auto code = parse_result_name(v.substr(0, sp));
  if (!code) return fail("POSTA_SPF: unknown result in \"" + std::string(v) + "\"");
  EnvResult r;
  r.code = *code;
  std::string_view rest = v.substr(sp + 1);
  if (rest.starts_with("smtp.mailfrom=")) {
    r.identity = std::string(rest.substr(14));
    auto at = r.identity.rfind('@');
    if (at == std::string::npos || at + 1 == r.identity.size())
      return fail("POSTA_SPF: no domain in \"" + std::string(v) + "\"");
    r.domain = lower(r.identity.substr(at + 1));
  } else if (rest.starts_with("smtp.helo=")) {
    r.helo = true;
    r.identity = std::string(rest.substr(10));
    r.domain = lower(r.identity);
  } else {
    return fail("POSTA_SPF: unknown identity in \"" + std::string(v) + "\"");
  }
  if (r.identity.empty()) return fail("POSTA_SPF: empty identity");
  return r;
}

}  // namespace posta::spf
