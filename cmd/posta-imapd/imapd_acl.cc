// ACL commands (RFC 4314): SETACL, DELETEACL, GETACL, LISTRIGHTS, MYRIGHTS. Identifiers
// are "anyone" (every user of the owner's domain) and addresses of that domain; negative
// rights are not supported.
#include "accounts/lookup.h"
#include "imapd_session.h"
#include "log/log.h"

namespace posta::imapd {

std::optional<MailboxRef> Session::acl_mailbox(const std::string& tag, Parser& p) {
  if (!p.sp()) {
    bad(tag, "Missing mailbox name");
    return std::nullopt;
  }
  auto name = mailbox_arg(tag, p);
  if (!name) return std::nullopt;
  auto box = resolve(*name);
  if (!box || !box->visible()) {
    no(tag, "[NONEXISTENT] No such mailbox");
    return std::nullopt;
  }
  return box;
}

void Session::cmd_setacl(const std::string& tag, Parser& p, bool del) {
  auto box = acl_mailbox(tag, p);
  if (!box) return;
  if (!p.sp()) return bad(tag, "Missing identifier");
  auto id = p.astring();
  if (!id) return bad(tag, "Invalid identifier");
  std::optional<std::string> letters;
  if (!del) {
    if (!p.sp() || !(letters = p.astring())) return bad(tag, "Missing rights");
  }
  if (!p.at_end()) return bad(tag, "Unexpected arguments");
  std::string verb = del ? "DELETEACL" : "SETACL";
  if (!box->rights.has('a')) return no_right(tag, 'a', verb);
  std::string owner = box->shared() ? box->owner : lower(user_);
  auto ident = mailstore::acl_identifier(*id, domain_);
  if (!ident) return no(tag, "[CANNOT] " + ident.error().what);
  if (*ident == owner) return no(tag, "[CANNOT] The owner always has every right");
  if (*ident != mailstore::kAnyone) {
    auto acc = accounts::Accounts::open(posta_home());
    if (!acc) return no(tag, "[UNAVAILABLE] Unable to look the identifier up");
    auto u = acc->find_user(*ident);
    if (!u) return no(tag, "[UNAVAILABLE] Unable to look the identifier up");
    if (!*u) return no(tag, "[CANNOT] No such user in this domain: " + *ident);
  }
  auto acl = mailstore::Acl::load(box->dir);
  if (!acl) return no(tag, "[SERVERBUG] " + acl.error().what);
  mailstore::Rights now = acl->entries().contains(*ident) ? acl->entries().at(*ident) : mailstore::Rights();
  mailstore::Rights next;
  if (letters) {
    std::string_view l = *letters;
    char mode = !l.empty() && (l[0] == '+' || l[0] == '-') ? l[0] : 0;
    if (mode) l.remove_prefix(1);
    auto r = mailstore::Rights::parse(l);
    if (!r) return bad(tag, "Invalid rights: " + r.error().what);
    next = mode == '+' ? now | *r : mode == '-' ? now.without(*r) : *r;
  }
  if (auto s = mailstore::set_share(posta_home(), owner, box->folder, box->dir, *ident, next); !s) {
    log::error(verb, " ", box->name, " for ", user_, ": ", s.error().what);
    return no(tag, "[SERVERBUG] Unable to store the ACL");
  }
  log::info("acl user=", user_, " owner=", owner, " folder=", box->folder, " identifier=", *ident,
            " rights=", next.empty() ? "-" : next.str());
  ok(tag, verb + " completed");
}

void Session::cmd_getacl(const std::string& tag, Parser& p) {
  auto box = acl_mailbox(tag, p);
  if (!box) return;
  if (!p.at_end()) return bad(tag, "Unexpected arguments");
  if (!box->rights.has('a')) return no_right(tag, 'a', "GETACL");
  auto acl = mailstore::Acl::load(box->dir);
  if (!acl) return no(tag, "[SERVERBUG] " + acl.error().what);
  std::string owner = box->shared() ? box->owner : lower(user_);
  std::string line = "* ACL " + name_out(box->name) + " " + imap::quote(owner) + " " + mailstore::Rights::all().str();
  for (auto& [id, r] : acl->entries())
    if (id != owner) line += " " + imap::quote(id) + " " + r.str();
  out_.line(line);
  ok(tag, "GETACL completed");
}

void Session::cmd_listrights(const std::string& tag, Parser& p) {
  auto box = acl_mailbox(tag, p);
  if (!box) return;
  if (!p.sp()) return bad(tag, "Missing identifier");
  auto id = p.astring();
  if (!id || !p.at_end()) return bad(tag, "Invalid identifier");
  if (!box->rights.has('a')) return no_right(tag, 'a', "LISTRIGHTS");
  std::string owner = box->shared() ? box->owner : lower(user_);
  std::string line = "* LISTRIGHTS " + name_out(box->name) + " " + imap::quote(*id);
  auto ident = mailstore::acl_identifier(*id, domain_);
  if (ident && *ident == owner) {
    line += " " + mailstore::Rights::all().str();  // the owner's rights are fixed
  } else {
    // Nothing is required; each right can be granted on its own (c and d are kx and te).
    line += " \"\"";
    for (char c : mailstore::Rights::kLetters) line += std::string(" ") + c;
  }
  out_.line(line);
  ok(tag, "LISTRIGHTS completed");
}

void Session::cmd_myrights(const std::string& tag, Parser& p) {
  auto box = acl_mailbox(tag, p);
  if (!box) return;
  if (!p.at_end()) return bad(tag, "Unexpected arguments");
  out_.line("* MYRIGHTS " + name_out(box->name) + " " + box->rights.str());
  ok(tag, "MYRIGHTS completed");
}

}  // namespace posta::imapd
