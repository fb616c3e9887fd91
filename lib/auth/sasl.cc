#include "auth/sasl.h"

#include "base/base64.h"

namespace posta::auth {

Result<Secret> decode_response(std::string_view line) {
  auto d = base64_decode(line);
  if (!d) return std::unexpected(d.error());
  return Secret(std::move(*d));
}

Result<Secret> decode_initial_response(std::string_view text) {
  if (text == "=") return Secret();
  return decode_response(text);
}

std::string login_for(std::string_view authzid, std::string_view authcid) {
  if (authzid.empty() || authzid == authcid) return std::string(authcid);
  std::string login(authzid);
  login += '*';
  login += authcid;
  return login;
}

Result<Credentials> parse_plain(const Secret& message) {
  std::string_view m = message.str();
  size_t a = m.find('\0');
  size_t b = a == std::string_view::npos ? a : m.find('\0', a + 1);
  if (b == std::string_view::npos) return fail("PLAIN response without two NULs");
  std::string_view authzid = m.substr(0, a), authcid = m.substr(a + 1, b - a - 1);
  std::string_view password = m.substr(b + 1);
  if (authcid.empty()) return fail("empty authentication identity");
  if (password.find('\0') != std::string_view::npos) return fail("NUL in the password");
  return Credentials{login_for(authzid, authcid), Secret(std::string(password))};
}

}  // namespace posta::auth
