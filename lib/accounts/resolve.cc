// Accounts::resolve: what an envelope recipient means (order documented in lookup.h).
#include "accounts/accounts_impl.h"

namespace posta::accounts {
namespace {

// Alias, then user, then list for local@domain; nullopt when none exists.
Result<std::optional<Resolution>> resolve_exact(Accounts& acc, const std::string& address) {
  Resolution r;
  auto alias = acc.find_alias(address);
  if (!alias) return std::unexpected(alias.error());
  auto user = acc.find_user(address);
  if (!user) return std::unexpected(user.error());
  if (*alias) {
    r.kind = Resolution::kAlias;
    r.targets = (*alias)->targets;
    r.keep_copy = (*alias)->keep_copy && user->has_value() && (*user)->enabled;
    if (r.keep_copy) r.user = **user;
    return r;
  }
  if (*user) {
    r.kind = (*user)->enabled ? Resolution::kUser : Resolution::kDisabled;
    r.user = **user;
    return r;
  }
  auto list = acc.find_list(address);
  if (!list) return std::unexpected(list.error());
  if (*list) {
    r.kind = Resolution::kList;
    r.list = **list;
    return r;
  }
  return std::optional<Resolution>();
}

}  // namespace

Result<Resolution> Accounts::resolve(std::string_view address) {
  auto a = valid_address(address);
  if (!a) return std::unexpected(a.error());
  Resolution out;
  out.address = a->str();
  auto dom = find_domain(a->domain);
  if (!dom) return std::unexpected(dom.error());
  if (!*dom) {
    out.kind = Resolution::kNotLocal;
    return out;
  }
  if (!(*dom)->enabled) {
    out.kind = Resolution::kDisabled;
    return out;
  }
  auto exact = resolve_exact(*this, a->str());
  if (!exact) return std::unexpected(exact.error());
  auto sub = split_detail(a->local, impl_->separators);
  if (!*exact && !sub.detail.empty()) {
    // "user+" has an empty detail and never splits; a base that is not a valid local part
    // (e.g. "a.+b" -> "a.") cannot exist, so it simply does not match.
    auto base = valid_address(sub.base + "@" + a->domain);
    if (base) {
      exact = resolve_exact(*this, base->str());
      if (!exact) return std::unexpected(exact.error());
      if (*exact) (*exact)->detail = sub.detail;
    }
  }
  if (*exact) {
    (*exact)->address = out.address;
    return std::move(**exact);
  }
  if (!(*dom)->catchall.empty()) {
    out.kind = Resolution::kAlias;
    out.targets = {(*dom)->catchall};
    out.catchall = true;
    return out;
  }
  out.kind = Resolution::kUnknownUser;
  return out;
}

}  // namespace posta::accounts
