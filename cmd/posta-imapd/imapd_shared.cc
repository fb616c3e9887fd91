// Shared folders (RFC 4314, NAMESPACE RFC 2342): the Other Users namespace. Every user's
// Maildir belongs to the one mail store owner, so the kernel cannot keep users apart here:
// this process, running for one logged-in user, decides from the folder's ACL
// (mailstore/acl.h) what she may do, before it opens anything of another user.
#include <cstdlib>

#include "accounts/address.h"
#include "accounts/lookup.h"
#include "base/strings.h"
#include "imapd_session.h"
#include "log/log.h"

namespace posta::imapd {

bool Session::owner_store(const std::string& owner, std::string& maildir, std::string& quota) {
  auto cached = owners_.find(owner);
  if (cached == owners_.end()) {
    std::optional<std::pair<std::string, std::string>> found;
    auto acc = accounts::Accounts::open(posta_home());
    if (!acc) {
      log::warning("shared folders of ", owner, ": ", acc.error().what);
      return false;  // not cached: the next command tries again
    }
    auto u = acc->find_user(owner);
    if (!u) {
      log::warning("shared folders of ", owner, ": ", u.error().what);
      return false;
    }
    if (*u && (*u)->enabled && !(*u)->maildir.empty() && (*u)->store_host.empty())
      found.emplace(strip_trailing_slash((*u)->maildir),
                    std::to_string((*u)->quota_bytes) + "S," + std::to_string((*u)->quota_messages) + "C");
    cached = owners_.emplace(owner, found).first;
  }
  if (!cached->second) return false;
  maildir = cached->second->first;
  quota = cached->second->second;
  return true;
}

std::optional<MailboxRef> Session::resolve(const std::string& name) {
  MailboxRef r;
  r.name = name;
  std::string prefix = std::string(kOtherUsers) + mailstore::kDelimiter;
  if (name != kOtherUsers && !name.starts_with(prefix)) {
    r.folder = name;
    r.maildir = maildir_;
    r.dir = folders_->dir(name);
    r.exists = folders_->exists(name);
    const char* q = std::getenv("POSTA_QUOTA");
    r.quota = q ? q : "";
    return r;
  }
  // "Other Users.<local>@<domain>.<folder>": the owner's address ends at the user's own
  // domain (the only one whose folders she can be given), so dots in the local part and
  // the domain are no ambiguity.
  std::string rest = name.size() > prefix.size() ? name.substr(prefix.size()) : "";
  size_t at = rest.find('@');
  if (at == std::string::npos || at == 0) return std::nullopt;
  std::string after = rest.substr(at + 1);
  if (after.size() <= domain_.size() + 1 || lower(after.substr(0, domain_.size())) != domain_ ||
      after[domain_.size()] != mailstore::kDelimiter)
    return std::nullopt;
  auto owner = accounts::valid_address(rest.substr(0, at) + "@" + domain_);
  if (!owner) return std::nullopt;
  r.owner = lower(owner->str());
  if (r.owner == lower(user_)) return std::nullopt;
  auto folder = mailstore::check_mailbox_name(after.substr(domain_.size() + 1));
  if (!folder) return std::nullopt;
  r.folder = *folder;
  if (!owner_store(r.owner, r.maildir, r.quota)) return std::nullopt;
  mailstore::Folders theirs(r.maildir);
  r.dir = theirs.dir(r.folder);
  r.exists = theirs.exists(r.folder);
  auto acl = mailstore::Acl::load(r.dir);
  if (!acl) {
    log::warning("ACL of ", r.dir, ": ", acl.error().what);
    r.rights = {};
  } else {
    r.rights = acl->rights_of(user_);
  }
  return r;
}

std::vector<std::string> Session::shared_mailboxes() {
  std::vector<std::string> out;
  mailstore::SharedIndex index(posta_home(), domain_);
  for (auto& s : index.shared_with(user_)) {
    if (mailstore::domain_of(s.owner) != domain_) continue;
    std::string local = s.owner.substr(0, s.owner.rfind('@'));
    std::string name = std::string(kOtherUsers) + mailstore::kDelimiter + local + "@" + domain_ +
                       mailstore::kDelimiter + s.folder;
    auto checked = mailstore::check_mailbox_name(name);
    if (!checked) continue;
    auto r = resolve(*checked);
    if (r && r->exists && r->rights.has('l')) out.push_back(*checked);
  }
  return out;
}

void Session::no_right(const std::string& tag, char right, const std::string& what) {
  no(tag, std::string("[NOPERM] Permission denied: ") + what + " needs the '" + right + "' right on this mailbox");
}

}  // namespace posta::imapd
