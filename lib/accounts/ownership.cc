#include "accounts/ownership.h"

#include "control/control.h"

namespace posta::accounts {

Result<bool> sender_owned_by(Accounts& acc, std::string_view address, std::string_view login_in) {
  std::string login = lower(std::string(login_in));
  if (login.empty()) return false;
  if (lower(std::string(address)) == login) return true;
  auto r = acc.resolve(address);
  if (!r) {
    if (r.error().code == kErrInvalid) return false;
    return std::unexpected(r.error());
  }
  if (r->kind == Resolution::kUser) return lower(r->user.address) == login;
  if (r->kind == Resolution::kAlias && !r->catchall) {
    for (auto& t : r->targets)
      if (lower(t) == login) return true;
  }
  return false;
}

}  // namespace posta::accounts
