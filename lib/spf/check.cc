#include "spf/check.h"

#include <sys/socket.h>

#include <algorithm>

#include "base/strings.h"
#include "dns/wire.h"
#include "spf/macro.h"
#include "spf/record.h"

namespace posta::spf {
namespace {

constexpr int kMaxDnsTerms = 10;   // RFC 7208 4.6.4
constexpr int kMaxVoidLookups = 2;
constexpr size_t kMaxNames = 10;   // MX exchanges, PTR names
constexpr int kMaxDepth = 12;      // include/redirect nesting; the term limit ends loops first

struct Outcome {
  ResultCode code = ResultCode::kNeutral;
  std::string mechanism, explanation, problem;
};

Outcome error(ResultCode c, std::string problem) {
  Outcome o;
  o.code = c;
  o.problem = std::move(problem);
  return o;
}

ResultCode from_qualifier(Qualifier q) {
  switch (q) {
    case Qualifier::kPass: return ResultCode::kPass;
    case Qualifier::kFail: return ResultCode::kFail;
    case Qualifier::kSoftfail: return ResultCode::kSoftfail;
    case Qualifier::kNeutral: return ResultCode::kNeutral;
  }
  return ResultCode::kNeutral;
}

// A domain name as check_host() accepts it (RFC 7208 4.3): multi-label, labels 1..63.
bool valid_identity_domain(const std::string& d) {
  auto n = dns::normalize_name(d);
  return n && n->find('.') != std::string::npos;
}

// The name a macro-expanded domain-spec queries: no trailing dot, and at most 253 octets
// by dropping labels from the left (RFC 7208 7.3); nullopt when it is no domain name.
std::optional<std::string> query_name(std::string s) {
  if (!s.empty() && s.back() == '.') s.pop_back();
  while (s.size() > 253) {
    auto dot = s.find('.');
    if (dot == std::string::npos) return std::nullopt;
    s.erase(0, dot + 1);
  }
  auto n = dns::normalize_name(s);
  if (!n) return std::nullopt;
  return *n;
}

std::string reverse_name(const net::IpAddr& ip) {
  std::string out;
  for (auto& part : split(macro_ip(ip), '.')) out = part + "." + out;
  return out + (ip.family == AF_INET6 ? "ip6.arpa" : "in-addr.arpa");
}

class Evaluator {
 public:
  Evaluator(const net::IpAddr& ip, const std::string& sender, const Identity& id, Lookup& dns,
            const Options& opt)
      : dns_(dns), opt_(opt), deadline_(std::chrono::steady_clock::now() + opt.time_limit) {
    auto at = sender.rfind('@');
    ctx_.local_part = at == std::string::npos || at == 0 ? "postmaster" : sender.substr(0, at);
    ctx_.sender_domain = at == std::string::npos ? sender : sender.substr(at + 1);
    ctx_.sender = ctx_.local_part + "@" + ctx_.sender_domain;
    ctx_.ip = ip;
    ctx_.helo = id.helo;
    ctx_.receiver = id.receiver.empty() ? "unknown" : id.receiver;
    ctx_.now = opt.now ? opt.now : std::time(nullptr);
    ctx_.validated_name = [this] { return validated_name(); };
  }

  // explain: a fail here gets an explanation (not inside include, RFC 7208 6.2)
  Outcome evaluate(const std::string& domain, int depth, bool explain);
  int dns_terms = 0, void_lookups = 0;

 private:
  enum class Match { kYes, kNo };
  using MatchResult = std::expected<Match, Outcome>;
  MatchResult match(const Mechanism& m, const std::string& domain, int depth);
  MatchResult match_mx(const Mechanism& m, const std::string& target);
  MatchResult match_ptr(const std::string& target);
  std::vector<std::string> validated_names();
  std::string validated_name();
  std::string explanation(const Record& r);
  // Counts a void answer; an Outcome once over the limit.
  std::optional<Outcome> note_void(const dns::Answer& a);
  bool cidr_match(const std::vector<dns::Record>& addrs, const Mechanism& m) const;

  // Every query goes through here: past the time limit, the answers are temporary failures.
  std::vector<dns::Answer> ask(const std::vector<dns::Question>& qs);
  dns::Answer ask_one(const std::string& name, uint16_t type) { return ask({{name, type}}).front(); }

  Lookup& dns_;
  const Options& opt_;
  std::chrono::steady_clock::time_point deadline_;
  MacroContext ctx_;
  std::optional<std::vector<std::string>> validated_;
};

std::vector<dns::Answer> Evaluator::ask(const std::vector<dns::Question>& qs) {
  if (std::chrono::steady_clock::now() < deadline_) return dns_.query_all(qs);
  dns::Answer late;
  late.error = "SPF check past its time limit of " + std::to_string(opt_.time_limit.count()) + " s";
  return std::vector<dns::Answer>(qs.size(), late);
}

std::optional<Outcome> Evaluator::note_void(const dns::Answer& a) {
  if (a.status != dns::QueryStatus::kNoData && a.status != dns::QueryStatus::kNxDomain) return std::nullopt;
  if (++void_lookups > kMaxVoidLookups)
    return error(ResultCode::kPermError, "more than " + std::to_string(kMaxVoidLookups) + " void DNS lookups");
  return std::nullopt;
}

bool Evaluator::cidr_match(const std::vector<dns::Record>& addrs, const Mechanism& m) const {
  int prefix = ctx_.ip.family == AF_INET6 ? m.cidr6 : m.cidr4;
  for (auto& r : addrs) {
    auto a = net::parse_ip(r.data);
    if (a && a->family == ctx_.ip.family && net::Cidr{*a, prefix}.contains(ctx_.ip)) return true;
  }
  return false;
}

Evaluator::MatchResult Evaluator::match_mx(const Mechanism& m, const std::string& target) {
  auto mx = ask_one(target, dns::kMx);
  if (mx.status == dns::QueryStatus::kTempFail) return std::unexpected(error(ResultCode::kTempError, mx.error));
  if (auto v = note_void(mx)) return std::unexpected(*v);
  if (mx.records.size() > kMaxNames)
    return std::unexpected(error(ResultCode::kPermError, target + " has more than 10 MX records"));
  uint16_t type = ctx_.ip.family == AF_INET6 ? dns::kAaaa : dns::kA;
  std::vector<dns::Question> qs;
  for (auto& r : mx.records)
    if (!r.data.empty()) qs.push_back({r.data, type});  // "" is a null MX (RFC 7505)
  auto answers = ask(qs);
  for (auto& a : answers) {
    if (a.status == dns::QueryStatus::kTempFail) return std::unexpected(error(ResultCode::kTempError, a.error));
    if (auto v = note_void(a)) return std::unexpected(*v);
    if (cidr_match(a.records, m)) return Match::kYes;
  }
  return Match::kNo;
}

// RFC 7208 5.5: names of the PTR records whose address records include the client's; DNS
// errors only make names drop out.
std::vector<std::string> Evaluator::validated_names() {
  if (validated_) return *validated_;
  validated_.emplace();
  auto ptr = ask_one(reverse_name(ctx_.ip), dns::kPtr);
  if (ptr.status != dns::QueryStatus::kOk) return *validated_;
  uint16_t type = ctx_.ip.family == AF_INET6 ? dns::kAaaa : dns::kA;
  std::vector<dns::Question> qs;
  for (size_t i = 0; i < ptr.records.size() && i < kMaxNames; ++i) qs.push_back({ptr.records[i].data, type});
  auto answers = ask(qs);
  for (size_t i = 0; i < answers.size(); ++i)
    for (auto& r : answers[i].records)
      if (net::parse_ip(r.data) == ctx_.ip) {
        validated_->push_back(qs[i].name);
        break;
      }
  return *validated_;
}

Evaluator::MatchResult Evaluator::match_ptr(const std::string& target) {
  auto ptr = ask_one(reverse_name(ctx_.ip), dns::kPtr);
  if (auto v = note_void(ptr)) return std::unexpected(*v);
  for (auto& n : validated_names())
    if (n == target || (n.size() > target.size() && n.ends_with("." + target))) return Match::kYes;
  return Match::kNo;
}

std::string Evaluator::validated_name() {
  auto names = validated_names();
  for (auto& n : names)
    if (n == ctx_.domain || n.ends_with("." + ctx_.domain)) return n;
  return names.empty() ? "unknown" : names.front();
}

Evaluator::MatchResult Evaluator::match(const Mechanism& m, const std::string& domain, int depth) {
  switch (m.kind) {
    case MechanismKind::kAll: return Match::kYes;
    case MechanismKind::kIp4:
    case MechanismKind::kIp6:
      return m.network.addr.family == ctx_.ip.family && m.network.contains(ctx_.ip) ? Match::kYes : Match::kNo;
    default: break;
  }
  if (++dns_terms > kMaxDnsTerms)
    return std::unexpected(error(ResultCode::kPermError, "more than 10 DNS lookups"));
  std::string spec = m.domain_spec.empty() ? domain : m.domain_spec;
  auto expanded = expand_macros(spec, ctx_, MacroUse::kDomain);
  if (!expanded) return std::unexpected(error(ResultCode::kPermError, expanded.error().what));
  auto target = query_name(*expanded);
  if (!target) {
    // a name no DNS query can ask for has no records; an included one has no SPF record
    if (m.kind == MechanismKind::kInclude)
      return std::unexpected(error(ResultCode::kPermError, "include of an invalid domain name"));
    return Match::kNo;
  }
  switch (m.kind) {
    case MechanismKind::kInclude: {
      Outcome sub = evaluate(*target, depth + 1, false);
      switch (sub.code) {
        case ResultCode::kPass: return Match::kYes;
        case ResultCode::kFail:
        case ResultCode::kSoftfail:
        case ResultCode::kNeutral: return Match::kNo;
        case ResultCode::kTempError: return std::unexpected(sub);
        case ResultCode::kNone:
          return std::unexpected(error(ResultCode::kPermError, "included domain " + *target + " has no SPF record"));
        case ResultCode::kPermError: return std::unexpected(sub);
      }
      return Match::kNo;
    }
    case MechanismKind::kA:
    case MechanismKind::kExists: {
      uint16_t type = m.kind == MechanismKind::kA && ctx_.ip.family == AF_INET6 ? dns::kAaaa : dns::kA;
      auto a = ask_one(*target, type);
      if (a.status == dns::QueryStatus::kTempFail) return std::unexpected(error(ResultCode::kTempError, a.error));
      if (auto v = note_void(a)) return std::unexpected(*v);
      if (m.kind == MechanismKind::kExists) return a.records.empty() ? Match::kNo : Match::kYes;
      return cidr_match(a.records, m) ? Match::kYes : Match::kNo;
    }
    case MechanismKind::kMx: return match_mx(m, *target);
    case MechanismKind::kPtr: return match_ptr(*target);
    default: return Match::kNo;
  }
}

std::string Evaluator::explanation(const Record& r) {
  if (r.exp) {
    auto spec = expand_macros(*r.exp, ctx_, MacroUse::kDomain);
    auto name = spec ? query_name(*spec) : std::nullopt;
    if (name) {
      auto txt = ask_one(*name, dns::kTxt);
      if (txt.status == dns::QueryStatus::kOk && txt.records.size() == 1) {
        auto text = expand_macros(txt.records[0].data, ctx_, MacroUse::kExplanation);
        if (text && std::all_of(text->begin(), text->end(), [](unsigned char c) { return c >= 0x20 && c < 0x7f; }))
          return *text;
      }
    }
  }
  auto d = expand_macros(opt_.default_explanation, ctx_, MacroUse::kExplanation);
  return d ? *d : "SPF fail";
}

Outcome Evaluator::evaluate(const std::string& domain, int depth, bool explain) {
  if (depth > kMaxDepth) return error(ResultCode::kPermError, "include/redirect nested too deeply");
  auto txt = ask_one(domain, dns::kTxt);
  if (txt.status == dns::QueryStatus::kTempFail) return error(ResultCode::kTempError, txt.error);
  std::vector<std::string> spf;
  for (auto& r : txt.records)
    if (is_spf_record(r.data)) spf.push_back(r.data);
  if (spf.empty()) return error(ResultCode::kNone, "");
  if (spf.size() > 1) return error(ResultCode::kPermError, domain + " has more than one SPF record");
  auto record = parse_record(spf.front());
  if (!record) return error(ResultCode::kPermError, record.error().what);
  std::string saved = ctx_.domain;
  ctx_.domain = domain;
  Outcome out;
  bool matched = false;
  for (auto& m : record->mechanisms) {
    auto r = match(m, domain, depth);
    ctx_.domain = domain;  // an include changed it
    if (!r) {
      out = r.error();
      ctx_.domain = saved;
      return out;
    }
    if (*r == Match::kYes) {
      out.code = from_qualifier(m.qualifier);
      out.mechanism = m.text;
      if (out.code == ResultCode::kFail && explain) out.explanation = explanation(*record);
      matched = true;
      break;
    }
  }
  if (!matched && record->redirect) {
    if (++dns_terms > kMaxDnsTerms) {
      out = error(ResultCode::kPermError, "more than 10 DNS lookups");
    } else {
      auto expanded = expand_macros(*record->redirect, ctx_, MacroUse::kDomain);
      auto target = expanded ? query_name(*expanded) : std::nullopt;
      if (!target) {
        out = error(ResultCode::kPermError, "redirect= to an invalid domain");
      } else {
        out = evaluate(*target, depth + 1, explain);
        if (out.code == ResultCode::kNone)
          out = error(ResultCode::kPermError, "redirect= to " + *target + ", which has no SPF record");
      }
    }
  } else if (!matched) {
    out.code = ResultCode::kNeutral;
    out.mechanism = "default";
  }
  ctx_.domain = saved;
  return out;
}

}  // namespace

const char* result_name(ResultCode r) {
  switch (r) {
    case ResultCode::kNone: return "none";
    case ResultCode::kNeutral: return "neutral";
    case ResultCode::kPass: return "pass";
    case ResultCode::kFail: return "fail";
    case ResultCode::kSoftfail: return "softfail";
    case ResultCode::kTempError: return "temperror";
    case ResultCode::kPermError: return "permerror";
  }
  return "?";
}

std::optional<ResultCode> parse_result_name(std::string_view s) {
  for (auto r : {ResultCode::kNone, ResultCode::kNeutral, ResultCode::kPass, ResultCode::kFail,
                 ResultCode::kSoftfail, ResultCode::kTempError, ResultCode::kPermError})
    if (lower(std::string(s)) == result_name(r)) return r;
  return std::nullopt;
}

CheckResult check_host(const net::IpAddr& ip, const std::string& domain, const std::string& sender,
                       const Identity& id, Lookup& dns, const Options& opt) {
  CheckResult res;
  auto n = dns::normalize_name(domain);
  res.domain = n ? *n : domain;
  if (!valid_identity_domain(domain)) return res;  // none
  Evaluator ev(ip, sender, id, dns, opt);
  Outcome o = ev.evaluate(res.domain, 0, true);
  res.code = o.code;
  res.mechanism = std::move(o.mechanism);
  res.explanation = std::move(o.explanation);
  res.problem = std::move(o.problem);
  res.dns_lookups = std::min(ev.dns_terms, kMaxDnsTerms + 1);
  res.void_lookups = ev.void_lookups;
  return res;
}

CheckResult check_mail_from(const Identity& id, Lookup& dns, const Options& opt) {
  if (id.mail_from.empty()) return check_helo(id, dns, opt);
  auto at = id.mail_from.rfind('@');
  std::string domain = at == std::string::npos ? id.mail_from : id.mail_from.substr(at + 1);
  return check_host(id.ip, domain, id.mail_from, id, dns, opt);
}

CheckResult check_helo(const Identity& id, Lookup& dns, const Options& opt) {
  if (id.helo.empty() || id.helo.front() == '[') {
    CheckResult r;
    r.domain = id.helo;
    return r;
  }
  return check_host(id.ip, id.helo, "postmaster@" + id.helo, id, dns, opt);
}

}  // namespace posta::spf
