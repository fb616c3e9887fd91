// posta-smtpd's reputation checks (posta-smtpd(8) "Reputation checks"): DNS blocklists and
// allowlists, greylisting, rate limits, HELO and forward-confirmed reverse DNS. The DNS is
// asked through lib/dns (control/resolvers); the greylist and the counters are posta-policyd's
// (lib/policy/policy_client.h): this process never joins a Berkeley DB environment.
#pragma once
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "control/control.h"
#include "control/domain_list.h"
#include "dns/resolver.h"
#include "policy/dnsbl.h"
#include "policy/limits.h"
#include "net/cidr_list.h"
#include "smtp/address.h"

namespace posta::policy {
class PolicyClient;
}

namespace posta::smtpd {

struct ReputationConfig {
  net::CidrList trusted;  // control/trustednets (Config::trustednets)
  // control/dnswl then control/dnsbl: looked up together at connect
  std::vector<policy::DnsZone> client_zones;
  size_t allow_zones = 0;  // how many of client_zones are allowlists (the first ones)
  std::vector<policy::DnsZone> rhsbl;
  DomainList greylist;              // control/greylist
  bool greylist_all = false;        // "*" in it
  policy::Limits ip, auth, domain;  // control/ratelimitip, ratelimitauth, ratelimitdomain
  bool helo_reject = false;         // control/helocheck "reject"
  enum class Fcrdns { kOff, kScore, kReject } fcrdns = Fcrdns::kOff;  // control/fcrdns
  double fcrdns_score = 1.0;
  std::vector<dns::Server> resolvers;
  std::chrono::milliseconds dns_timeout{1000};  // control/timeoutdnsbl, per try (two tries)
  std::chrono::milliseconds policy_timeout{2000};
  std::string policy_socket;
  bool needs_dns() const { return !client_zones.empty() || !rhsbl.empty() || fcrdns != Fcrdns::kOff; }
};

ReputationConfig load_reputation_config(const Control& ctl, const std::string& home);

// A refusal for the session to send: code, enhanced code, text; close ends the session.
struct Refusal {
  int code = 0;
  const char* enh = "";
  std::string text;
  bool close = false;
};

struct SessionFacts {
  const std::string& remote_ip;
  const std::string& me;
  bool submission;
  bool local_session;
};

class Reputation {
 public:
  Reputation(const ReputationConfig& cfg, SessionFacts facts);
  ~Reputation();
  // Before the greeting: the connection rate (421 when over) and the client's DNS lists.
  std::optional<Refusal> at_connect();
  // MAIL FROM: blocklists, HELO, reverse DNS, message rates.
  std::optional<Refusal> at_mail(const std::string& helo, const std::string& sender, const std::string& auth_user,
                                 const std::function<bool(const std::string&)>& is_ours);
  // RCPT TO, once the recipient is accepted: the login's recipient rate and greylisting.
  std::optional<Refusal> at_rcpt(const smtp::Mailbox& rcpt, const std::string& sender, const std::string& auth_user);
  // POSTA_REPUTATION (what scored) and POSTA_REPUTATION_SCORE for the queue program.
  void queue_env(std::vector<std::string>& env) const;

 private:
  bool checked(const std::string& auth_user) const;
  const dns::Resolver& resolver();
  // true: within the limit, or no limit, or posta-policyd did not answer (logged).
  bool within(const std::string& key, uint32_t limit, uint32_t window);
  std::optional<Refusal> login_limit(const std::string& login, const std::string& name, const std::string& what);
  void notify_postmaster(const std::string& login, const std::string& what, uint32_t limit);
  std::optional<Refusal> client_checks(const std::string& helo, const std::function<bool(const std::string&)>& is_ours);

  const ReputationConfig& cfg_;
  SessionFacts facts_;
  std::optional<net::IpAddr> ip_;
  bool trusted_ = false;
  bool allowlisted_ = false;
  std::optional<policy::ZoneHit> listed_;  // the first rejecting blocklist
  std::string listed_text_;
  std::vector<std::string> hits_;  // "zone=score" of the client, for the queue's environment
  double score_ = 0;
  std::vector<std::string> tx_hits_;  // the same of the transaction's sender
  double tx_score_ = 0;
  // the last sender domain asked of control/rhsbl, and its listings
  std::optional<std::pair<std::string, std::vector<policy::ZoneHit>>> sender_domain_;
  bool client_checked_ = false;  // HELO and reverse DNS done for this session
  std::optional<dns::Resolver> resolver_;
  std::unique_ptr<policy::PolicyClient> policy_;
  bool policy_warned_ = false;
};

}  // namespace posta::smtpd
