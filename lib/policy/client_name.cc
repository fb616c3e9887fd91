#include "policy/client_name.h"

#include "base/strings.h"
#include "policy/dnsbl.h"

namespace posta::policy {
namespace {

bool fqdn(const std::string& name) {
  if (name.find('.') == std::string::npos || name.back() == '.') return false;
  if (!dns::normalize_name(name)) return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_')) return false;
  // all digits and dots is an address written without brackets
  return name.find_first_not_of("0123456789.") != std::string::npos;
}

}  // namespace

std::optional<std::string> helo_problem(const std::string& helo, const net::IpAddr& client, const std::string& me,
                                        const std::function<bool(const std::string&)>& is_ours) {
  if (helo.size() > 2 && helo.front() == '[' && helo.back() == ']') {
    std::string lit = helo.substr(1, helo.size() - 2);
    if (iequals(lit.substr(0, 5), "IPv6:")) lit = lit.substr(5);
    auto ip = net::parse_ip(lit);
    if (!ip || !(*ip == client)) return "HELO address literal does not match your address";
    return std::nullopt;
  }
  if (!fqdn(helo)) return "HELO name is not a fully qualified domain name";
  std::string h = lower(helo);
  if (h == lower(me) || is_ours(h)) return "HELO name claims to be us";
  return std::nullopt;
}

std::string ptr_name(const net::IpAddr& ip) {
  return reversed_name(ip, ip.family == AF_INET ? "in-addr.arpa" : "ip6.arpa");
}

Fcrdns check_fcrdns(const dns::Resolver& r, const net::IpAddr& ip) {
  Fcrdns out;
  auto ptr = r.query(ptr_name(ip), dns::kPtr);
  if (ptr.status == dns::QueryStatus::kTempFail) {
    out.status = Fcrdns::Status::kTempFail;
    return out;
  }
  if (ptr.status != dns::QueryStatus::kOk) return out;
  std::vector<dns::Question> qs;
  for (auto& rec : ptr.records) {
    if (qs.size() == 10) break;
    if (!rec.data.empty()) qs.push_back({rec.data, ip.family == AF_INET ? dns::kA : dns::kAaaa});
  }
  auto answers = r.query_all(qs);
  bool temp = false;
  for (size_t i = 0; i < answers.size(); ++i) {
    if (answers[i].status == dns::QueryStatus::kTempFail) temp = true;
    for (auto& rec : answers[i].records) {
      auto a = net::parse_ip(rec.data);
      if (a && *a == ip) {
        out.status = Fcrdns::Status::kPass;
        out.name = qs[i].name;
        return out;
      }
    }
  }
  if (temp) out.status = Fcrdns::Status::kTempFail;
  return out;
}

}  // namespace posta::policy
