#include "spf/policy.h"

#include "base/strings.h"
#include "spf/report.h"

namespace posta::spf {
namespace {

constexpr std::array kResults = {ResultCode::kNone,     ResultCode::kNeutral,   ResultCode::kPass,
                                 ResultCode::kFail,     ResultCode::kSoftfail,  ResultCode::kTempError,
                                 ResultCode::kPermError};

const char* action_name(Action a) {
  switch (a) {
    case Action::kAccept: return "accept";
    case Action::kReject: return "reject";
    case Action::kDefer: return "defer";
  }
  return "?";
}

// Text from DNS (an explanation) in a reply line: printable ASCII, bounded.
std::string reply_safe(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (out.size() >= 300) break;
    out.push_back(c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '?');
  }
  return out;
}

}  // namespace

Policy::Policy() {
  by_result.fill(Action::kAccept);
  by_result[static_cast<size_t>(ResultCode::kFail)] = Action::kReject;
  by_result[static_cast<size_t>(ResultCode::kTempError)] = Action::kDefer;
}

Result<Policy> Policy::parse(std::string_view line) {
  Policy p;
  bool temperror_set = false;
  auto words = split(std::string(line), ' ');
  for (auto& w : words) {
    std::string word = lower(trim(w));
    if (word.empty()) continue;
    if (word == "off") {
      p.enabled = false;
      continue;
    }
    auto eq = word.find('=');
    auto r = eq == std::string::npos ? std::nullopt : parse_result_name(word.substr(0, eq));
    if (!r || *r == ResultCode::kPass) return fail("spfpolicy: unknown result in \"" + word + "\"");
    std::string a = word.substr(eq + 1);
    Action act;
    if (a == "accept") act = Action::kAccept;
    else if (a == "reject") act = Action::kReject;
    else if (a == "defer") act = Action::kDefer;
    else return fail("spfpolicy: unknown action in \"" + word + "\"");
    p.by_result[static_cast<size_t>(*r)] = act;
    if (*r == ResultCode::kTempError) temperror_set = true;
  }
  if (!temperror_set)
    p.by_result[static_cast<size_t>(ResultCode::kTempError)] =
        p.action(ResultCode::kFail) == Action::kAccept ? Action::kAccept : Action::kDefer;
  return p;
}

std::string Policy::str() const {
  if (!enabled) return "off";
  std::string out;
  for (auto r : kResults) {
    if (r == ResultCode::kPass) continue;
    if (!out.empty()) out += " ";
    out += std::string(result_name(r)) + "=" + action_name(action(r));
  }
  return out;
}

std::optional<Reply> refusal(const Policy& p, const CheckResult& r, const net::IpAddr& ip) {
  Action a = p.action(r.code);
  if (a == Action::kAccept || r.code == ResultCode::kPass) return std::nullopt;
  bool error = r.code == ResultCode::kTempError || r.code == ResultCode::kPermError;
  Reply reply;
  reply.code = a == Action::kReject ? 550 : 451;
  reply.enhanced = std::string(a == Action::kReject ? "5" : "4") + (error ? ".7.24" : ".7.23");
  std::string why = r.code == ResultCode::kFail && !r.explanation.empty() ? r.explanation : result_comment(r, ip);
  reply.text = "SPF " + std::string(result_name(r.code)) + ": " + reply_safe(why);
  return reply;
}

}  // namespace posta::spf
