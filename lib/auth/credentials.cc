#include "auth/credentials.h"

#include <string.h>

namespace posta::auth {

void wipe(std::string& s) {
  // The whole allocation, not only size(): an earlier, longer value may still be there.
  s.resize(s.capacity());
  explicit_bzero(s.data(), s.size());
  s.clear();
}

Secret& Secret::operator=(Secret&& o) noexcept {
  if (this != &o) {
    wipe(s_);
    s_ = std::move(o.s_);
    wipe(o.s_);
  }
  return *this;
}

Status check_credentials(const Credentials& c) {
  if (c.login.empty()) return fail("empty login");
  if (c.login.size() > kMaxLogin) return fail("login longer than " + std::to_string(kMaxLogin) + " bytes");
  if (c.login.find_first_of(std::string_view("\0\r\n", 3)) != std::string::npos)
    return fail("NUL, CR or LF in the login");
  if (c.password.str().size() > kMaxPassword)
    return fail("password longer than " + std::to_string(kMaxPassword) + " bytes");
  if (c.password.str().find('\0') != std::string::npos) return fail("NUL in the password");
  return {};
}

}  // namespace posta::auth
