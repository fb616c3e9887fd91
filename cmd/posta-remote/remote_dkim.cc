// DKIM signing of mail from local domains: the From: domain's selector (accounts database)
// and key ($POSTA_HOME/dkim/<domain>/<selector>.key), else the envelope sender's.
#include <unistd.h>

#include <algorithm>

#include "accounts/lookup.h"
#include "dkim/canon.h"
#include "dkim/key.h"
#include "dkim/sign.h"
#include "io/fd.h"
#include "log/log.h"
#include "remote.h"

namespace posta::remote {
namespace {

std::string domain_of(const std::string& addr) {
  auto at = addr.rfind('@');
  return at == std::string::npos ? "" : lower(addr.substr(at + 1));
}

// The domain of the (last) address in the From: field, good enough for choosing a key.
std::string from_domain(const std::string& message) {
  auto split = dkim::split_message(message);
  for (auto& h : split.headers) {
    if (dkim::lower_ascii(h.name) != "from") continue;
    std::string v = h.raw.substr(h.raw.find(':') + 1);
    auto at = v.rfind('@');
    if (at == std::string::npos) return "";
    size_t end = v.find_first_of(">,; \t\r\n)\"", at);
    return lower(v.substr(at + 1, end == std::string::npos ? std::string::npos : end - at - 1));
  }
  return "";
}

}  // namespace

Status dkim_sign(const Config& cfg, Job& job) {
  std::vector<std::string> candidates;
  for (auto d : {from_domain(job.message), domain_of(job.sender)})
    if (!d.empty() && std::find(candidates.begin(), candidates.end(), d) == candidates.end())
      candidates.push_back(d);
  // Signing keys live in dkim/<domain>/: without one there is nothing to sign with, and
  // opening the accounts database for every delivery cost more than the delivery.
  std::erase_if(candidates, [&](const std::string& d) {
    return ::access((cfg.home + "/dkim/" + d).c_str(), F_OK) != 0;
  });
  if (candidates.empty()) return {};
  auto acc = accounts::Accounts::open(cfg.home);
  if (!acc) return fail("accounts database: " + acc.error().what);
  for (auto& d : candidates) {
    auto rec = acc->find_domain(d);
    if (!rec) return fail("accounts database: " + rec.error().what);
    if (!*rec || (*rec)->dkim_selector.empty()) continue;
    const std::string& sel = (*rec)->dkim_selector;
    std::string path = cfg.home + "/dkim/" + d + "/" + sel + ".key";
    auto pem = read_file(path, 64 << 10);
    if (!pem) return fail("unable to read " + path + ": " + pem.error().what);
    auto key = dkim::load_private_pem(*pem);
    if (!key) return fail(path + ": " + key.error().what);
    dkim::SignOptions o;
    o.domain = d;
    o.selector = sel;
    auto sig = dkim::sign(job.message, key->get(), o);
    if (!sig) return fail(sig.error().what);
    job.message.insert(0, *sig);
    job.dkim = "d=" + d + " s=" + sel;
    return {};
  }
  return {};
}

}  // namespace posta::remote
