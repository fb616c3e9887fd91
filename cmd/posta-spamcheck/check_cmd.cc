// `posta-spamcheck check FILE...`: what the filter would decide about each file, with every
// contribution, for admins (posta-spamcheck(8) "check").
#include <fcntl.h>

#include <algorithm>
#include <cstdio>
#include <iostream>

#include "admin/output.h"
#include "admin/tool.h"
#include "base/exitcode.h"
#include "io/fd.h"
#include "log/log.h"
#include "mime/message.h"
#include "spam/scanned.h"
#include "spamcheck.h"

namespace posta::spamcheck {
namespace {

// The part of the file the filter would scan; cut when there is more.
Result<std::string> read_head(const std::string& path, size_t max, bool& cut) {
  auto fd = open_fd(path, O_RDONLY);
  if (!fd) return std::unexpected(fd.error());
  std::string s(max + 1, '\0');
  auto n = read_full(fd->get(), s.data(), s.size());
  if (!n) return std::unexpected(n.error());
  cut = *n > max;
  s.resize(std::min(*n, max));
  return s;
}

// The whole file through clamd, as the filter streams the whole message; "" without clamd.
std::string virus_scan(const Checks& checks, const std::string& path, spam::Analysis& a) {
  if (!checks.clamd) return "";
  auto fd = open_fd(path, O_RDONLY);
  scan::ClamdResult r;
  if (!fd) r = {scan::ClamdResult::Kind::error, fd.error().what};
  else r = scan::clamd_scan_fd(*checks.clamd, fd->get());
  spam::add_virus_result(r, a);
  return scan::describe(r);
}

constexpr size_t kShownTokens = 20;

std::string json_of(const std::string& file, const spam::Analysis& a, const spam::Decision& d,
                    const std::optional<spam::BayesResult>& bayes, const std::string& virus) {
  std::string out = "{\"file\":" + admin::json_string(file) + ",\"verdict\":" +
                    admin::json_string(spam::verdict_name(d.verdict)) + ",\"score\":" + spam::format_score(a.score()) +
                    ",\"flag\":" + (d.flag ? "true" : "false") + ",\"refusal\":" +
                    admin::json_string(d.refusal.empty() ? "" : d.refusal.substr(1)) +
                    ",\"virus_scan\":" + (virus.empty() ? std::string("null") : admin::json_string(virus)) +
                    ",\"contributions\":[";
  for (size_t i = 0; i < a.fired.size(); ++i)
    out += std::string(i ? "," : "") + "{\"name\":" + admin::json_string(a.fired[i].name) + ",\"score\":" +
           spam::format_score(a.fired[i].score) + ",\"description\":" + admin::json_string(a.fired[i].description) + "}";
  out += "]";
  if (bayes && bayes->trained) {
    char p[32];
    std::snprintf(p, sizeof p, "%.6f", bayes->probability);
    out += std::string(",\"bayes\":{\"probability\":") + p + ",\"tokens\":[";
    for (size_t i = 0; i < std::min(bayes->used.size(), kShownTokens); ++i) {
      auto& t = bayes->used[i];
      std::snprintf(p, sizeof p, "%.4f", t.f);
      out += std::string(i ? "," : "") + "{\"token\":" + admin::json_string(t.token) + ",\"f\":" + p +
             ",\"spam\":" + std::to_string(t.spam) + ",\"ham\":" + std::to_string(t.ham) + "}";
    }
    out += "]}";
  }
  return out + "}";
}

// The classifier's most significant tokens, for `check --verbose`.
void print_tokens(const spam::BayesResult& b) {
  if (!b.trained) {
    std::cout << "  classifier: too little learned\n";
    return;
  }
  std::printf("  classifier: spam probability %.4f from %zu tokens, most significant:\n", b.probability, b.used.size());
  for (size_t i = 0; i < std::min(b.used.size(), kShownTokens); ++i)
    std::printf("    %.4f  spam %u ham %u  %s\n", b.used[i].f, b.used[i].spam, b.used[i].ham, b.used[i].token.c_str());
  std::fflush(stdout);
}

void print_text(const std::string& file, const spam::Analysis& a, const spam::Decision& d, const spam::Policy& p,
                const std::string& virus) {
  std::cout << file << ": " << spam::verdict_name(d.verdict) << ", score " << spam::format_score(a.score())
            << " (spam at " << spam::format_score(p.spam_score) << ", refused at "
            << (p.reject_score > 0 ? spam::format_score(p.reject_score) : std::string("never")) << ")\n";
  if (!d.refusal.empty()) std::cout << "  refusal: " << d.refusal.substr(1) << "\n";
  if (!a.hard_text.empty()) std::cout << "  reason: " << a.hard_text << "\n";
  std::cout << "  virus scan: " << (virus.empty() ? "off (no control/clamd)" : virus) << "\n";
  char num[32];
  for (auto& c : a.fired) {
    std::snprintf(num, sizeof num, "%8.1f", c.score);
    std::cout << num << "  " << c.name << (c.description.empty() ? "" : "  " + c.description) << "\n";
  }
}

}  // namespace

int run_check(const std::string& home, const std::vector<std::string>& files, bool json, bool trusted, bool verbose) {
  Checks checks = load_checks(home);
  if (!checks.trouble.empty()) log::fatal(kExitTemporary, checks.trouble);
  int rc = kExitOk;
  if (json) std::cout << "[";
  bool first = true;
  for (auto& f : files) {
    bool cut = false;
    auto text = read_head(f, checks.policy.scan_bytes, cut);
    if (!text) {
      log::error(text.error().what);
      rc = kExitTemporary;
      continue;
    }
    spam::Analysis a = analyze(checks, *text, nullptr, cut);
    std::string virus = virus_scan(checks, f, a);
    spam::Decision d = spam::decide(a, checks.policy, trusted);
    std::optional<spam::BayesResult> bayes;
    if (json || verbose) bayes = classify_message(checks, mime::to_crlf(*text));
    if (json) std::cout << (first ? "" : ",") << json_of(f, a, d, bayes, virus);
    else print_text(f, a, d, checks.policy, virus);
    if (!json && verbose && bayes) print_tokens(*bayes);
    first = false;
  }
  if (json) std::cout << "]\n";
  int out = admin::flush_stdout();
  return rc != kExitOk ? rc : out;
}

}  // namespace posta::spamcheck
