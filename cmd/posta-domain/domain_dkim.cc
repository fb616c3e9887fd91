// DKIM key generation and the DNS records an admin publishes for a domain.
#include "domain_dkim.h"

#include <sys/stat.h>
#include <unistd.h>

#include <ctime>
#include <iostream>
#include <memory>

#include "accounts/lookup.h"
#include "admin/tool.h"
#include "base/exitcode.h"
#include "control/control.h"
#include "dkim/key.h"
#include "io/fd.h"
#include "log/log.h"
#include "proc/privilege.h"

namespace posta::domaincmd {
namespace {

struct DkimOpts {
  std::string domain, selector, type = "rsa";
  bool force = false;
};

bool valid_selector(const std::string& s) {
  if (s.empty() || s.size() > 63 || s.front() == '.' || s.back() == '.' || s.find("..") != std::string::npos)
    return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.' && c != '_') return false;
  return true;
}

std::string default_selector() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "posta%Y%m", &tm);
  return buf;
}

// System mode (run as root, instance owned by root): posta-remote runs as posta-r and must
// be able to read the key, and nobody else.
void hand_to_remote_user(const std::string& dir, const std::string& key) {
  if (::geteuid() != 0) return;
  auto r = lookup_credentials("posta-r", "");
  if (!r) return;
  if (::chown(dir.c_str(), r->uid, r->gid) != 0 || ::chown(key.c_str(), r->uid, r->gid) != 0)
    log::warning("unable to give ", key, " to posta-r: ", std::strerror(errno));
}

// The record of the domain named, opened as dkim-keygen (write) or dns needs it; an error
// (exit 1) for a domain that is not there.
struct OpenDomain {
  accounts::Accounts acc;
  accounts::DomainRecord domain;
};
Result<OpenDomain> open_domain(const std::string& home, const std::string& name, bool write) {
  auto acc = admin::open_for(home, write);
  if (!acc) return std::unexpected(acc.error());
  auto d = acc->find_domain(name);
  if (!d) return std::unexpected(d.error());
  if (!*d) return fail("unknown domain " + name, accounts::kErrNotFound);
  return OpenDomain{std::move(*acc), std::move(**d)};
}

void print_txt(const std::string& domain, const std::string& selector, const std::string& txt) {
  std::cout << selector << "._domainkey." << domain << ". IN TXT ( " << dkim::quoted_txt(txt) << " )\n";
}

int keygen(const Context& c, const DkimOpts& o) {
  std::string sel = o.selector.empty() ? default_selector() : o.selector;
  if (!valid_selector(sel)) return admin::report(Error{"invalid selector " + sel, accounts::kErrInvalid});
  auto type = dkim::parse_key_type(o.type);
  if (!type) return admin::report(Error{type.error().what, accounts::kErrInvalid});
  std::string home = admin::home_or_default(c.home);
  auto od = open_domain(home, o.domain, true);
  if (!od) return admin::report(od.error());
  auto& d = od->domain;
  std::string dir = home + "/dkim/" + d.name;
  std::string path = dir + "/" + sel + ".key";
  struct stat st;
  if (!o.force && ::stat(path.c_str(), &st) == 0)
    return admin::report(Error{path + " exists (use --force to replace it)", accounts::kErrExists});
  ::mkdir((home + "/dkim").c_str(), 0711);
  ::mkdir(dir.c_str(), 0700);
  auto key = dkim::generate_key(*type);
  if (!key) return admin::report(key.error());
  auto pem = dkim::private_pem(key->get());
  if (!pem) return admin::report(pem.error());
  if (auto w = write_file_atomic(path, *pem, 0600); !w) return admin::report(w.error());
  hand_to_remote_user(dir, path);
  d.dkim_selector = sel;
  if (auto p = od->acc.put_domain(d); !p) return admin::report(p.error());
  auto txt = dkim::txt_record(key->get());
  if (!txt) return admin::report(txt.error());
  log::info("DKIM key for ", d.name, " selector ", sel, " written to ", path);
  print_txt(d.name, sel, *txt);
  return std::cout.flush() ? kExitOk : kExitTemporary;
}

int dns_records(const Context& c, const DkimOpts& o) {
  std::string home = admin::home_or_default(c.home);
  auto od = open_domain(home, o.domain, false);
  if (!od) return admin::report(od.error());
  const auto& d = od->domain;
  const std::string& name = d.name;
  std::string me = Control(home).string("me", name);
  std::cout << "; DNS records to publish for " << name << " (zone-file syntax)\n"
            << name << ". IN MX 10 " << me << ".\n"
            << name << ". IN TXT \"v=spf1 mx -all\"\n"
            << "_dmarc." << name << ". IN TXT \"v=DMARC1; p=quarantine; adkim=r; aspf=r; rua=mailto:postmaster@"
            << name << "\"\n";
  if (!d.dkim_selector.empty()) {
    std::string path = home + "/dkim/" + name + "/" + d.dkim_selector + ".key";
    auto pem = read_file(path, 64 << 10);
    auto key = pem ? dkim::load_private_pem(*pem) : std::unexpected(pem.error());
    auto txt = key ? dkim::txt_record(key->get()) : std::unexpected(key.error());
    if (!txt) return admin::report(Error{"DKIM key " + path + ": " + txt.error().what, 0});
    print_txt(name, d.dkim_selector, *txt);
  } else {
    std::cout << "; no DKIM key yet: posta-domain dkim-keygen " << name << "\n";
  }
  return std::cout.flush() ? kExitOk : kExitTemporary;
}

}  // namespace

void register_dkim(CLI::App& app, Context& ctx, Action& action) {
  auto o = std::make_shared<DkimOpts>();
  auto* sc = app.add_subcommand("dkim-keygen", "create a DKIM key for a domain and print its DNS TXT record");
  sc->add_option("DOMAIN", o->domain, "domain name")->required();
  sc->add_option("--selector", o->selector, "selector (default posta<YYYYMM>)");
  sc->add_option("--type", o->type, "rsa (2048 bits, default) or ed25519")->check(CLI::IsMember({"rsa", "ed25519"}));
  sc->add_flag("--force", o->force, "replace an existing key of the same selector");
  sc->callback([&action, &ctx, o] { action = [&ctx, o] { return keygen(ctx, *o); }; });
  sc->fallthrough();
  sc = app.add_subcommand("dns", "print the MX, SPF, DMARC and DKIM records to publish");
  sc->add_option("DOMAIN", o->domain, "domain name")->required();
  sc->callback([&action, &ctx, o] { action = [&ctx, o] { return dns_records(ctx, *o); }; });
  sc->fallthrough();
}

}  // namespace posta::domaincmd
