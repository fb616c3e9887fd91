#include "spam/verdict.h"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "base/strings.h"

namespace posta::spam {
namespace {

Result<double> read_score(const Control& ctl, const std::string& name, double def) {
  if (!ctl.exists(name)) return def;
  std::string s = ctl.string(name);
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v) || v < 0)
    return fail("control/" + name + ": not a score: " + s);
  return v;
}

// One header line (folded continuation text) cut to what RFC 5322 allows.
std::string cut(std::string s, size_t max = 990) {
  if (s.size() > max) s.resize(max);
  for (auto& c : s)
    if (c == '\r' || c == '\n' || c == '\0') c = ' ';
  return s;
}

bool is_spam_field(std::string_view line) {
  constexpr std::string_view kVirusScan = "x-virus-scan:";
  return (line.size() >= 7 && iequals(line.substr(0, 7), "x-spam-")) ||
         (line.size() >= kVirusScan.size() && iequals(line.substr(0, kVirusScan.size()), kVirusScan));
}

}  // namespace

Result<Policy> read_policy(const Control& ctl) {
  Policy p;
  auto spam = read_score(ctl, "spamscore", p.spam_score);
  if (!spam) return std::unexpected(spam.error());
  auto reject = read_score(ctl, "spamreject", p.reject_score);
  if (!reject) return std::unexpected(reject.error());
  p.spam_score = *spam;
  p.reject_score = *reject;
  std::string auth = lower(ctl.string("spamcheckauth", "score"));
  if (auth != "score" && auth != "reject") return fail("control/spamcheckauth: \"score\" or \"reject\", not " + auth);
  p.reject_trusted = auth == "reject";
  std::string trouble = lower(ctl.string("spamtrouble", "refuse"));
  if (trouble != "refuse" && trouble != "accept") return fail("control/spamtrouble: \"refuse\" or \"accept\", not " + trouble);
  p.accept_on_trouble = trouble == "accept";
  std::string virus = lower(ctl.string("virustrouble", "refuse"));
  if (virus != "refuse" && virus != "accept") return fail("control/virustrouble: \"refuse\" or \"accept\", not " + virus);
  p.accept_virus_trouble = virus == "accept";
  long long scan = ctl.number("spamscanbytes", static_cast<long long>(p.scan_bytes));
  if (scan < 65536 || scan > (1LL << 30)) return fail("control/spamscanbytes: between 65536 and 1073741824");
  p.scan_bytes = static_cast<size_t>(scan);
  return p;
}

std::string format_score(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string_view verdict_name(Verdict v) {
  switch (v) {
    case Verdict::kHam: return "ham";
    case Verdict::kSpam: return "spam";
    case Verdict::kReject: return "reject";
    case Verdict::kVirus: return "virus";
    case Verdict::kPolicy: return "policy";
    case Verdict::kQuarantine: return "quarantine";
    case Verdict::kTrouble: return "trouble";
  }
  return "?";
}

Decision decide(const Analysis& a, const Policy& p, bool trusted) {
  using H = Analysis::Hard;
  Decision d;
  if (a.hard == H::kVirus) return {Verdict::kVirus, "D5.7.1 Message refused: virus found (" + a.hard_text + ")", false};
  if (a.hard == H::kPolicy) return {Verdict::kPolicy, "D5.7.1 Message refused: " + a.hard_text, false};
  if (!a.virus_unscanned.empty() && !p.accept_virus_trouble)
    return {Verdict::kTrouble, "Z4.7.1 Message not scanned for viruses, please try again later", false};
  if (a.hard == H::kTempFail) {
    if (p.accept_on_trouble) return {Verdict::kTrouble, "", false};
    return {Verdict::kTrouble, "Z4.7.1 Message not scanned, please try again later", false};
  }
  double score = a.score();
  bool rejectable = p.reject_score > 0 && score >= p.reject_score;
  if (rejectable && (!trusted || p.reject_trusted))
    return {Verdict::kReject, "D5.7.1 Message refused as spam (score " + format_score(score) + ")", false};
  if (score >= p.spam_score) return {rejectable ? Verdict::kReject : Verdict::kSpam, "", true};
  if (a.quarantine) return {Verdict::kQuarantine, "", true};
  return d;
}

std::string spam_header_fields(const Analysis& a, const Policy& p, const Decision& d) {
  std::string virus = a.virus_unscanned.empty() ? "" : "X-Virus-Scan: unscanned (" + cut(a.virus_unscanned, 900) + ")\n";
  std::string out;
  if (d.verdict == Verdict::kTrouble && a.hard == Analysis::Hard::kTempFail) {
    return "X-Spam-Status: Unscanned, " + cut(a.hard_text, 900) + "\n" + virus;
  }
  if (d.flag) out += "X-Spam-Flag: YES\n";
  out += "X-Spam-Score: " + format_score(a.score()) + "\n";
  std::string tests;
  for (auto& c : a.fired) tests += (tests.empty() ? "" : ",") + c.name;
  out += "X-Spam-Status: " + std::string(d.flag ? "Yes" : "No") + ", score=" + format_score(a.score()) +
         " required=" + format_score(p.spam_score) + "\n\ttests=" + cut(tests.empty() ? "none" : tests) + "\n";
  out += "X-Spam-Report:";
  if (a.fired.empty()) out += " none";
  char num[32];
  for (auto& c : a.fired) {
    std::snprintf(num, sizeof num, "%6.1f", c.score);
    out += "\n\t* " + std::string(num) + " " + c.name + (c.description.empty() ? "" : " " + cut(c.description, 200));
  }
  return out + "\n" + virus;
}

size_t header_block_length(std::string_view m) {
  if (m.starts_with("\n")) return 1;
  size_t p = m.find("\n\n");
  return p == std::string_view::npos ? std::string_view::npos : p + 2;
}

std::string strip_spam_fields(std::string_view block) {
  std::string out;
  out.reserve(block.size());
  bool dropping = false;
  while (!block.empty()) {
    size_t nl = block.find('\n');
    std::string_view line = block.substr(0, nl == std::string_view::npos ? block.size() : nl + 1);
    block.remove_prefix(line.size());
    bool continuation = line[0] == ' ' || line[0] == '\t';
    if (!continuation) dropping = is_spam_field(line);
    if (!dropping) out += line;
  }
  return out;
}

std::string rewrite_header_block(std::string_view block, std::string_view fields) {
  bool blank = block.ends_with("\n\n") || block == "\n";
  std::string out = strip_spam_fields(blank ? block.substr(0, block.size() - 1) : block);
  if (!out.empty() && !out.ends_with('\n')) out += '\n';
  out += fields;
  if (blank) out += '\n';
  return out;
}

}  // namespace posta::spam
