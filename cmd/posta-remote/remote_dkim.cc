// DKIM signing of mail that originated here: the From: domain's selector (accounts database)
// and key ($POSTA_HOME/dkim/<domain>/<selector>.key), used only when the message's origin
// (queue/envelope.h Origin, recorded by posta-queue at injection) had the right to that From:.
#include <unistd.h>

#include "accounts/lookup.h"
#include "accounts/ownership.h"
#include "dkim/canon.h"
#include "dkim/key.h"
#include "dkim/sign.h"
#include "io/fd.h"
#include "log/log.h"
#include "mime/address.h"
#include "queue/envelope.h"
#include "remote.h"

namespace posta::remote {
namespace {

// The one author of a message: the address of its only From: field when that field names
// exactly one mailbox; "" otherwise (no From:, two of them, a list of authors, a group):
// nothing to sign for then.
std::string from_address(const std::string& message) {
  auto split = dkim::split_message(message);
  std::string found;
  int fields = 0;
  for (auto& h : split.headers) {
    if (!iequals(h.name, "from")) continue;
    if (++fields > 1) return "";
    std::string v = h.raw.substr(h.raw.find(':') + 1);
    std::erase_if(v, [](char c) { return c == '\r' || c == '\n'; });
    auto list = mime::parse_addresses(v, 2);
    if (list.size() != 1 || list[0].group_start || list[0].mailbox.empty() || list[0].host.empty()) return "";
    found = list[0].mailbox + "@" + list[0].host;
  }
  return found;
}

// The account login the origin speaks for: an authenticated session's login, or a local
// user's name at control/defaulthost (else control/me), the address posta-sendmail gives
// that user; "" for an origin that speaks for nobody here.
std::string origin_login(const std::string& home, const queue::Origin& o) {
  if (o.kind == queue::Origin::Kind::kAuthenticated) return o.name;
  if (o.kind != queue::Origin::Kind::kLocal) return "";
  Control ctl(home);
  return o.name + "@" + ctl.string("defaulthost", ctl.string("me", "localhost"));
}

// Why a message leaves unsigned, for the log's dkim= field; "" when it may be signed.
std::string refusal(const queue::Origin& o) {
  switch (o.kind) {
    case queue::Origin::Kind::kUnknown: return "none:origin-unknown";
    case queue::Origin::Kind::kNetwork: return "none:from-network";
    case queue::Origin::Kind::kForwarded: return "none:forwarded";
    default: return "";
  }
}

}  // namespace

Status dkim_sign(const Config& cfg, Job& job) {
  auto origin = queue::parse_origin(job.origin);
  queue::Origin o = origin ? *origin : queue::Origin{};
  std::string author = from_address(job.message);
  std::string d = queue::address_domain(author);
  // Signing keys live in dkim/<domain>/: without one there is nothing to sign with, and
  // opening the accounts database for every delivery cost more than the delivery.
  if (d.empty() || ::access((cfg.home + "/dkim/" + d).c_str(), F_OK) != 0) return {};
  if (auto why = refusal(o); !why.empty()) {
    job.dkim = why;
    return {};
  }
  auto acc = accounts::Accounts::open(cfg.home);
  if (!acc) return fail("accounts database: " + acc.error().what);
  // Our own notifications (posta-send) speak for the domain of their From:; everything else
  // only for an author its login owns, by the rule posta-smtpd applies to MAIL FROM.
  if (o.kind != queue::Origin::Kind::kBounce) {
    auto owned = accounts::sender_owned_by(*acc, author, origin_login(cfg.home, o));
    if (!owned) return fail("accounts database: " + owned.error().what);
    if (!*owned) {
      job.dkim = "none:not-the-author";
      return {};
    }
  }
  auto rec = acc->find_domain(d);
  if (!rec) return fail("accounts database: " + rec.error().what);
  if (!*rec || (*rec)->dkim_selector.empty()) return {};
  const std::string& sel = (*rec)->dkim_selector;
  std::string path = cfg.home + "/dkim/" + d + "/" + sel + ".key";
  auto pem = read_file(path, 64 << 10);
  if (!pem) return fail("unable to read " + path + ": " + pem.error().what);
  auto key = dkim::load_private_pem(*pem);
  if (!key) return fail(path + ": " + key.error().what);
  dkim::SignOptions opts;
  opts.domain = d;
  opts.selector = sel;
  auto sig = dkim::sign(job.message, key->get(), opts);
  if (!sig) return fail(sig.error().what);
  job.message.insert(0, *sig);
  job.dkim = "d=" + d + " s=" + sel;
  return {};
}

}  // namespace posta::remote
