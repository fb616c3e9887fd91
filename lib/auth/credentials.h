// What a client logs in with, and the one rule every server applies to it before it asks
// the checkpassword program (lib/auth/checkpassword.h). INTERNALS.md, "Logins".
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

#include "base/error.h"

namespace posta::auth {

// Bytes, as passed to the checker: a master login "user*master" counts whole.
inline constexpr size_t kMaxLogin = 512;
inline constexpr size_t kMaxPassword = 1024;

// Zeroes every byte s has allocated (explicit_bzero, which the compiler keeps) and
// empties it.
void wipe(std::string& s);

// A string that holds a password, wiped when it goes away. Move-only, and it takes only
// rvalues, so that no copy is left that it does not wipe.
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string&& s) : s_(std::move(s)) { wipe(s); }
  Secret(Secret&& o) noexcept : s_(std::move(o.s_)) { wipe(o.s_); }
  Secret& operator=(Secret&& o) noexcept;
  Secret(const Secret&) = delete;
  Secret& operator=(const Secret&) = delete;
  ~Secret() { wipe(s_); }

  const std::string& str() const { return s_; }

 private:
  std::string s_;
};

struct Credentials {
  std::string login;
  Secret password;
};

// The rule: a login of 1 to kMaxLogin bytes without NUL, CR or LF, and a password of at
// most kMaxPassword bytes without NUL. An empty password passes: the checker refuses it
// (and counts the failure) like any other wrong one.
[[nodiscard]] Status check_credentials(const Credentials& c);

}  // namespace posta::auth
