// The reputation checks of one session (smtpd_reputation.h).
#include "smtpd_reputation.h"

#include <ctime>

#include "log/log.h"
#include "policy/client_name.h"
#include "policy/policy_client.h"
#include "queue/inject.h"
#include "queue/maildate.h"

namespace posta::smtpd {
namespace {

constexpr uint32_t kMinute = 60, kHour = 3600;

std::string format_score(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", s);
  return buf;
}

}  // namespace

ReputationConfig load_reputation_config(const Control& ctl, const std::string& home) {
  ReputationConfig c;
  c.client_zones = policy::load_zones(ctl, "dnswl");
  c.allow_zones = c.client_zones.size();
  for (auto& z : policy::load_zones(ctl, "dnsbl")) c.client_zones.push_back(std::move(z));
  c.rhsbl = policy::load_zones(ctl, "rhsbl");
  c.greylist = DomainList::load(ctl, "greylist");
  for (auto& l : ctl.lines("greylist")) c.greylist_all = c.greylist_all || l == "*";
  c.ip = policy::load_limits(ctl, "ratelimitip", "conn msg");
  c.auth = policy::load_limits(ctl, "ratelimitauth", "msg rcpt");
  c.domain = policy::load_limits(ctl, "ratelimitdomain", "msg");
  c.helo_reject = lower(ctl.string("helocheck", "off")) == "reject";
  auto f = split(lower(ctl.string("fcrdns", "off")), ' ');
  if (f[0] == "reject") c.fcrdns = ReputationConfig::Fcrdns::kReject;
  if (f[0] == "score") {
    c.fcrdns = ReputationConfig::Fcrdns::kScore;
    if (f.size() > 1) c.fcrdns_score = std::atof(f[1].c_str());
  }
  if (c.needs_dns()) {
    auto servers = dns::configured_servers(ctl);
    if (servers)
      c.resolvers = std::move(*servers);
    else
      log::warning("no resolvers: ", servers.error().what);
  }
  c.dns_timeout = std::chrono::milliseconds(std::clamp(ctl.number("timeoutdnsbl", 1000), 100LL, 30000LL));
  c.policy_socket = policy::policy_socket(home);
  return c;
}

Reputation::Reputation(const ReputationConfig& cfg, SessionFacts facts)
    : cfg_(cfg), facts_(facts), ip_(net::parse_ip(facts.remote_ip)) {
  trusted_ = facts_.local_session || !ip_ || cfg_.trusted.contains(*ip_);
}

Reputation::~Reputation() = default;

// Authenticated and trusted clients are not checked; a local session (posta-sendmail -bs)
// has no client address.
bool Reputation::checked(const std::string& auth_user) const { return !trusted_ && auth_user.empty(); }

const dns::Resolver& Reputation::resolver() {
  if (!resolver_) resolver_.emplace(cfg_.resolvers, cfg_.dns_timeout, 2);
  return *resolver_;
}

bool Reputation::within(const std::string& key, uint32_t limit, uint32_t window) {
  if (limit == 0) return true;
  if (!policy_) policy_ = std::make_unique<policy::PolicyClient>(cfg_.policy_socket, cfg_.policy_timeout);
  auto a = policy_->ask(policy::RateRequest{key, limit, window});
  if (a && a->kind == policy::Answer::Kind::kOver) return false;
  if (a && a->kind == policy::Answer::Kind::kOk) return true;
  if (!policy_warned_)
    log::warning(facts_.remote_ip, ": rate limits not applied: ", a ? "posta-policyd: " + a->text : a.error().what);
  policy_warned_ = true;
  return true;
}

std::optional<Refusal> Reputation::at_connect() {
  if (trusted_ || facts_.submission) return std::nullopt;
  if (!within("ip-conn:" + net::limit_key(*ip_, 64).str(), policy::limit_of(cfg_.ip, "conn"), kMinute)) {
    log::info(facts_.remote_ip, ": connection rate limit reached (control/ratelimitip), refused");
    return Refusal{421, "4.7.0", facts_.me + " Too many connections from your address, try again later", true};
  }
  if (cfg_.client_zones.empty()) return std::nullopt;
  auto found = policy::look_up_zones(resolver(), cfg_.client_zones, [&](const std::string& zone) {
    return std::optional<std::string>(policy::reversed_name(*ip_, zone));
  });
  for (auto& f : found.failed) log::warning(facts_.remote_ip, ": DNS list skipped: ", f);
  for (auto& h : found.hits) {
    size_t index = static_cast<size_t>(h.zone - cfg_.client_zones.data());
    if (index < cfg_.allow_zones) {
      allowlisted_ = true;
      log::info(facts_.remote_ip, ": allowlisted by ", h.zone->zone, " (", h.code, ")");
    } else if (!h.zone->reject) {
      score_ += h.zone->score;
      hits_.push_back(h.zone->zone + "=" + format_score(h.zone->score));
    } else if (!listed_) {
      listed_ = h;
    }
  }
  if (allowlisted_) {
    listed_.reset();
    score_ = 0;
    hits_.clear();
  }
  return std::nullopt;
}

// HELO and reverse DNS, for a client that is checked and not allowlisted.
std::optional<Refusal> Reputation::client_checks(const std::string& helo,
                                                 const std::function<bool(const std::string&)>& is_ours) {
  if (cfg_.helo_reject) {
    if (auto why = policy::helo_problem(helo, *ip_, facts_.me, is_ours)) {
      log::info(facts_.remote_ip, ": HELO ", log::printable(helo, 64), " refused: ", *why);
      return Refusal{550, "5.7.1", *why};
    }
  }
  if (cfg_.fcrdns == ReputationConfig::Fcrdns::kOff || facts_.submission || client_checked_) return std::nullopt;
  client_checked_ = true;
  auto f = policy::check_fcrdns(resolver(), *ip_);
  if (f.status == policy::Fcrdns::Status::kPass) return std::nullopt;
  if (f.status == policy::Fcrdns::Status::kTempFail) {
    log::warning(facts_.remote_ip, ": reverse DNS lookup failed");
    if (cfg_.fcrdns == ReputationConfig::Fcrdns::kReject) {
      client_checked_ = false;
      return Refusal{451, "4.7.1", "Unable to look up your address in the DNS, try again later"};
    }
    return std::nullopt;
  }
  log::info(facts_.remote_ip, ": no forward-confirmed reverse DNS");
  if (cfg_.fcrdns == ReputationConfig::Fcrdns::kReject) {
    client_checked_ = false;
    return Refusal{550, "5.7.1", "Your address has no forward-confirmed reverse DNS name"};
  }
  score_ += cfg_.fcrdns_score;
  hits_.push_back("fcrdns=" + format_score(cfg_.fcrdns_score));
  return std::nullopt;
}

// control/ratelimitauth's limit `name` ("msg", "rcpt") of a login, counting what it
// limits (`what`: "messages", "recipients").
std::optional<Refusal> Reputation::login_limit(const std::string& login, const std::string& name,
                                               const std::string& what) {
  uint32_t limit = policy::limit_of(cfg_.auth, name);
  if (within("auth-" + name + ":" + login, limit, kHour)) return std::nullopt;
  log::warning(facts_.remote_ip, ": login ", login, " over its rate limit of ", limit, " ", what,
               " per hour (control/ratelimitauth): held");
  notify_postmaster(login, what, limit);
  return Refusal{451, "4.7.1",
                 (name == "msg" ? "Message" : "Recipient") + std::string(" rate limit exceeded, try again later")};
}

std::optional<Refusal> Reputation::at_mail(const std::string& helo, const std::string& sender,
                                           const std::string& auth_user,
                                           const std::function<bool(const std::string&)>& is_ours) {
  tx_hits_.clear();
  tx_score_ = 0;
  if (!auth_user.empty()) return login_limit(auth_user, "msg", "messages");
  if (trusted_) return std::nullopt;
  std::string domain = sender.substr(sender.rfind('@') == std::string::npos ? sender.size() : sender.rfind('@') + 1);
  if (!allowlisted_) {
    if (listed_) {
      if (listed_text_.empty()) listed_text_ = policy::listing_text(resolver(), *listed_);
      log::info(facts_.remote_ip, ": listed by ", listed_->zone->zone, " (", listed_->code, "), sender <",
                log::printable(sender, 200), "> refused");
      return Refusal{554, "5.7.1", "Service unavailable; client [" + facts_.remote_ip + "] blocked: " + listed_text_};
    }
    if (auto r = client_checks(helo, is_ours)) return r;
    if (!domain.empty() && !cfg_.rhsbl.empty()) {
      // Looked up once per session and domain: the next MAIL of a session usually has the same.
      if (!sender_domain_ || sender_domain_->first != lower(domain)) {
        auto found = policy::look_up_zones(resolver(), cfg_.rhsbl,
                                           [&](const std::string& zone) { return policy::domain_name(domain, zone); });
        for (auto& f : found.failed) log::warning(facts_.remote_ip, ": DNS list skipped: ", f);
        sender_domain_.emplace(lower(domain), std::move(found.hits));
      }
      for (auto& h : sender_domain_->second) {
        if (!h.zone->reject) {
          tx_score_ += h.zone->score;
          tx_hits_.push_back(h.zone->zone + "=" + format_score(h.zone->score));
          continue;
        }
        log::info(facts_.remote_ip, ": sender domain ", domain, " listed by ", h.zone->zone, " (", h.code, ")");
        return Refusal{554, "5.7.1", "Sender address rejected: " + policy::listing_text(resolver(), h)};
      }
    }
  }
  if (!within("ip-msg:" + net::limit_key(*ip_, 64).str(), policy::limit_of(cfg_.ip, "msg"), kMinute)) {
    log::info(facts_.remote_ip, ": message rate limit reached (control/ratelimitip)");
    return Refusal{451, "4.7.1", "Message rate limit exceeded for your address, try again later"};
  }
  if (!domain.empty() && !within("domain-msg:" + lower(domain), policy::limit_of(cfg_.domain, "msg"), kHour)) {
    log::info(facts_.remote_ip, ": message rate limit of sender domain ", domain, " reached (control/ratelimitdomain)");
    return Refusal{451, "4.7.1", "Message rate limit exceeded for the sender's domain, try again later"};
  }
  return std::nullopt;
}

std::optional<Refusal> Reputation::at_rcpt(const smtp::Mailbox& rcpt, const std::string& sender,
                                           const std::string& auth_user) {
  if (!auth_user.empty()) return login_limit(auth_user, "rcpt", "recipients");
  if (trusted_ || allowlisted_ || rcpt.literal) return std::nullopt;
  if (!cfg_.greylist_all && !cfg_.greylist.contains(rcpt.domain)) return std::nullopt;
  if (!policy_) policy_ = std::make_unique<policy::PolicyClient>(cfg_.policy_socket, cfg_.policy_timeout);
  auto a = policy_->ask(policy::GreylistRequest{facts_.remote_ip, sender, rcpt.str()});
  if (a && a->kind == policy::Answer::Kind::kPass) return std::nullopt;
  if (a && a->kind == policy::Answer::Kind::kDefer) {
    log::info(facts_.remote_ip, ": greylisted <", log::printable(sender, 200), "> -> <", rcpt.str(), ">");
    return Refusal{451, "4.7.1", "Greylisted, try again in " + std::to_string(a->seconds) + " seconds"};
  }
  // Greylisting is configured for this domain: its outage defers, as postgrey's does,
  // rather than letting unchecked mail in.
  log::warning(facts_.remote_ip, ": greylisting unavailable: ", a ? "posta-policyd: " + a->text : a.error().what);
  return Refusal{451, "4.7.1", "Greylisting temporarily unavailable, try again later"};
}

void Reputation::queue_env(std::vector<std::string>& env) const {
  if (hits_.empty() && tx_hits_.empty()) return;
  std::string list;
  for (auto* hits : {&hits_, &tx_hits_})
    for (auto& h : *hits) list += (list.empty() ? "" : " ") + h;
  env.push_back("POSTA_REPUTATION=" + list);
  env.push_back("POSTA_REPUTATION_SCORE=" + format_score(score_ + tx_score_));
}

// At most once per login per hour (a counter of posta-policyd's); through the default queue,
// not control/smtpqueue: a notice of our own needs no filtering.
void Reputation::notify_postmaster(const std::string& login, const std::string& what, uint32_t limit) {
  if (!within("notice:" + login, 1, kHour)) return;
  std::string me = lower(facts_.me), to = "postmaster@" + me;
  std::string msg = "From: MAILER-DAEMON@" + me + "\nTo: " + to + "\nDate: " + queue::rfc5322_date(std::time(nullptr)) +
                    "\nMessage-ID: " + queue::make_message_id(me) + "\nSubject: rate limit reached by login " + login +
                    "\n\n" + "The login " + login + " went over its limit of " + std::to_string(limit) + " " + what +
                    " per hour\n(control/ratelimitauth), last from [" + facts_.remote_ip + "].\n" +
                    "Its mail is held with 451 replies until the hour is over. A login that sends\n" +
                    "this much may be in the wrong hands: check it, and change its password if so.\n";
  queue::Envelope env;
  env.recipients.push_back({to, "", ""});
  auto r = queue::inject(msg, env, {});
  if (!r)
    log::warning("unable to tell ", to, " about login ", login, ": ", r.error().line());
  else
    log::info("told ", to, " about login ", login, " (queue id ", *r, ")");
}

}  // namespace posta::smtpd
