// Where to connect (smtproutes or MX), trying each address in order, one transaction.
#include <algorithm>
#include <cstdlib>

#include "dns/hostcache.h"
#include "dns/mx.h"
#include "log/log.h"
#include "remote.h"
#include "smtpclient/hostslot.h"

namespace posta::remote {
namespace {

using smtpc::Outcome;

struct Plan {
  dns::Destination dest;
  int port = 25;
  bool relay = false;
  std::string relay_host;
  std::optional<smtpc::Credentials> credentials;
};

Result<Plan> make_plan(const Config& cfg, const Job& job) {
  Plan p;
  p.port = cfg.port;
  auto route = smtpc::find_route(cfg.smtproutes, job.domain);
  if (!route) return fail("control/" + route.error().what);
  auto resolver = dns::Resolver::from_control(Control(cfg.home));
  if (!resolver) return std::unexpected(resolver.error());
  dns::LookupOptions o;
  o.ipv6 = cfg.ipv6;
  if (route->use_mx) {
    p.dest = dns::resolve_mx(*resolver, job.domain, o);
  } else {
    p.relay = true;
    p.relay_host = route->host;
    if (route->port) p.port = route->port;
    p.credentials = smtpc::find_credentials(cfg.routes_auth, route->host);
    p.dest = dns::resolve_host(*resolver, route->host, o);
  }
  return p;
}

bool is_loopback(const std::string& ip) { return ip.rfind("127.", 0) == 0 || ip == "::1"; }

std::string tls_summary(const Outcome& o) {
  if (!o.tls) return "none";
  return o.tls->protocol + "/" + o.tls->cipher + (o.tls->verified ? "/verified" : "/unverified");
}

void log_attempt(const Job& job, const std::string& label, const Outcome& o, const std::string& status,
                 bool reused = false) {
  log::info("delivery domain=", job.domain, " host=", label, " rcpts=", job.rcpts.size(),
            " tls=", tls_summary(o), " dkim=", job.dkim.empty() ? "none" : job.dkim, " status=", status,
            " reply=\"", log::printable(o.error.empty() ? o.reply_summary : o.error), "\"",
            " connection=", reused ? "reused" : "new");
  // each refused recipient with the reply that refused it (the line above has the reply
  // that ended the transaction, a 250 when the others were accepted)
  for (size_t i = 0; i < o.rcpts.size() && i < job.rcpts.size(); ++i)
    if (o.rcpts[i].code != 'r')
      log::info("delivery domain=", job.domain, " host=", label, " rcpt=<", log::printable(job.rcpts[i]),
                "> status=", o.rcpts[i].code == 'h' ? "bounced" : "deferred", " reply=\"",
                log::printable(o.rcpts[i].text), "\"");
}

std::string result_status(const Outcome& o) {
  return o.permanent_error ? "bounced" : std::string(1, o.final_code);
}

// Keeps a session the server left open after its 250 (worker mode), else ends it.
void keep_or_quit(KeptConnection* kept, KeptConnection&& fresh) {
  if (kept && fresh.session->reusable()) {
    kept->close();
    *kept = std::move(fresh);
    kept->options->tls = nullptr;  // only used during open(); the context dies with deliver()
  } else {
    fresh.close();
  }
}

// SMTPUTF8 (RFC 6531) is asked for only when the message has UTF-8 in its envelope or header
// fields, whether or not it arrived with SMTPUTF8: an ASCII message never asks. It is needed
// (no way to send the message without it) for UTF-8 envelope addresses, and for UTF-8 header
// fields of a message that arrived with SMTPUTF8 (job.smtputf8, from posta-send); other mail
// is sent without it to a server that lacks it. 8-bit bodies are sent as they are when the
// server lacks 8BITMIME (no 7-bit downgrade).
smtpc::Message make_message(const Job& job) {
  smtpc::Message m;
  m.sender = job.sender;
  m.rcpts = job.rcpts;
  m.data = job.message;
  m.eight_bit = job.body_8bitmime || smtpc::has_8bit(job.message);
  auto header_end = job.message.find("\r\n\r\n");
  bool utf8_headers = smtpc::has_8bit(std::string_view(job.message).substr(0, header_end));
  bool utf8_envelope = smtpc::has_8bit(job.sender) ||
                       std::any_of(job.rcpts.begin(), job.rcpts.end(), [](auto& r) { return smtpc::has_8bit(r); });
  m.needs_smtputf8 = utf8_envelope || (job.smtputf8 && utf8_headers);
  m.wants_smtputf8 = utf8_envelope || utf8_headers;
  return m;
}

// One address: the kept connection when it matches, else connect and run the session
// (again without TLS when policy "may" allows).
std::optional<Outcome> attempt(const Config& cfg, const Job& job, const Plan& plan, const dns::Target& t,
                               const std::string& ip, smtpc::SessionOptions o, const dns::HostCache& cache,
                               std::string& last_error, KeptConnection* kept) {
  std::string label = t.host + "[" + ip + "]" + (plan.port != 25 ? ":" + std::to_string(plan.port) : "");
  o.label = label;
  o.tls_name = dns::ip_literal(t.host).empty() ? t.host : "";
  o.allow_plaintext_auth = is_loopback(ip);
  auto m = make_message(job);
  std::string key = connection_key(ip, plan.port, t.host, o);
  if (kept)
    if (auto out = reuse_connection(*kept, key, m)) {
      log_attempt(job, label, *out, result_status(*out), true);
      return out;
    }
  if (cache.is_dead(ip, plan.port)) {
    last_error = label + " was unreachable recently (host cache)";
    return std::nullopt;
  }
  std::string note;
  auto slot = smtpc::HostSlot::acquire(cfg.home + "/queue/hostslots", ip, plan.port, cfg.per_host, cfg.slot_wait, note);
  if (!note.empty()) log::warning(note);
  if (!slot) {
    last_error = label + ": " + slot.error().what;
    log::info("delivery domain=", job.domain, " host=", label, " status=busy reason=\"", last_error, "\"");
    return std::nullopt;
  }
  for (int round = 0; round < 2; ++round) {
    auto conn = smtpc::Connection::connect(ip, plan.port, cfg.timeouts.connect);
    if (!conn) {
      cache.mark_dead(ip, plan.port);
      last_error = conn.error().what;
      log::info("delivery domain=", job.domain, " host=", label, " status=unreachable reason=\"", last_error, "\"");
      return std::nullopt;
    }
    cache.mark_alive(ip, plan.port);
    KeptConnection fresh;
    fresh.key = key, fresh.label = label, fresh.peer = conn->peer();
    fresh.conn = std::make_unique<smtpc::Connection>(std::move(*conn));
    fresh.options = std::make_unique<smtpc::SessionOptions>(o);
    fresh.session = std::make_unique<smtpc::Session>(*fresh.conn, *fresh.options);
    Outcome out;
    if (fresh.session->open(out)) {
      fresh.tls = out.tls;
      fresh.session->transaction(m, out);
      fresh.transactions = 1;
    } else {
      out.try_next = true;
    }
    if (out.retry_without_tls && round == 0) {
      log::warning("delivery domain=", job.domain, " host=", label, " TLS failed, retrying without: ", out.error);
      o.skip_tls = true;
      key = connection_key(ip, plan.port, t.host, o);
      continue;
    }
    if (out.try_next) {
      log_attempt(job, label, out, "tryagain");
      last_error = out.error;
      return std::nullopt;
    }
    log_attempt(job, label, out, result_status(out));
    fresh.slot = std::move(*slot);
    keep_or_quit(kept, std::move(fresh));
    return out;
  }
  return std::nullopt;
}

// A kept connection to an address this delivery will not use is closed first, so that its
// per-host slot is free for others.
void drop_unused(KeptConnection* kept, const Plan& plan, const smtpc::SessionOptions& o) {
  if (!kept || !kept->open()) return;
  for (auto& t : plan.dest.targets)
    for (auto& ip : t.addresses) {
      smtpc::SessionOptions x = o;
      x.tls_name = dns::ip_literal(t.host).empty() ? t.host : "";
      x.allow_plaintext_auth = is_loopback(ip);
      if (connection_key(ip, plan.port, t.host, x) == kept->key) return;
    }
  kept->close();
}

Report from_outcome(const Outcome& out, size_t n) {
  if (out.permanent_error) return all_failed(n, 'D', out.error);
  Report r;
  r.rcpts = out.rcpts;
  r.final_code = out.final_code;
  r.final_text = out.final_text;
  return r;
}

}  // namespace

Report deliver(const Config& cfg, const Job& job, KeptConnection* kept) {
  auto planned = make_plan(cfg, job);
  if (!planned) return all_failed(job.rcpts.size(), 'Z', planned.error().what);
  const Plan& plan = *planned;
  if (plan.dest.kind != dns::Destination::Kind::kOk) {
    log::info("delivery domain=", job.domain, " status=", plan.dest.permanent() ? "bounced" : "deferred",
              " reason=\"", plan.dest.error, "\"");
    return all_failed(job.rcpts.size(), plan.dest.permanent() ? 'D' : 'Z', plan.dest.error);
  }
  auto policy = smtpc::find_policy(cfg.tlspolicy, job.domain);
  if (!policy) return all_failed(job.rcpts.size(), 'Z', "control/" + policy.error().what);
  auto tls = smtpc::TlsClientContext::create(cfg.tlsca);
  if (!tls) return all_failed(job.rcpts.size(), 'Z', tls.error().what);
  smtpc::SessionOptions o;
  o.helo = cfg.helo;
  o.policy = *policy;
  o.tls = &*tls;
  o.credentials = plan.credentials;
  o.timeouts = cfg.timeouts;
  drop_unused(kept, plan, o);
  dns::HostCache cache(cfg.home + "/queue/hostcache", cfg.hostcache_ttl);
  std::string last_error = "no host to try";
  for (auto& t : plan.dest.targets)
    for (auto& ip : t.addresses)
      if (auto out = attempt(cfg, job, plan, t, ip, o, cache, last_error, kept)) return from_outcome(*out, job.rcpts.size());
  log::info("delivery domain=", job.domain, " status=deferred reason=\"", log::printable(last_error), "\"");
  return all_failed(job.rcpts.size(), 'Z', last_error);
}

}  // namespace posta::remote
