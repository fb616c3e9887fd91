#include "accounts/password.h"

#include <crypt.h>

#include <cstring>
#include <memory>

#include "accounts/address.h"

namespace posta::accounts {
namespace {

struct Prefix {
  const char* name;
  const char* crypt_ids;  // accepted crypt(3) prefixes after it, '|' separated
};

// Dovecot's scheme names for crypt(3) strings.
constexpr Prefix kPrefixes[] = {
    {"{SHA512-CRYPT}", "$6$"},  {"{SHA256-CRYPT}", "$5$"},          {"{BLF-CRYPT}", "$2b$|$2y$|$2a$"},
    {"{MD5-CRYPT}", "$1$"},     {"{YESCRYPT}", "$y$|$7$|$gy$"},      {"{CRYPT}", ""},
};

constexpr const char* kCryptIds[] = {"$y$", "$gy$", "$7$", "$6$", "$5$", "$2b$", "$2y$", "$2a$", "$1$"};

bool starts(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

bool known_crypt(std::string_view h) {
  for (auto id : kCryptIds)
    if (starts(h, id)) return true;
  return false;
}

// crypt_rn into a zeroed buffer; nullopt when libcrypt refuses the setting.
bool crypt_into(std::string_view password, const std::string& setting, crypt_data& cd) {
  std::memset(&cd, 0, sizeof cd);
  std::string pw(password);
  if (pw.find('\0') != std::string::npos) return false;
  const char* out = crypt_rn(pw.c_str(), setting.c_str(), &cd, sizeof cd);
  explicit_bzero(pw.data(), pw.size());
  return out && out[0] != '*';
}

}  // namespace

Result<std::string> hash_password(std::string_view password) {
  if (password.find('\0') != std::string_view::npos) return fail("password contains NUL", kErrInvalid);
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  if (!crypt_gensalt_rn("$y$", 0, nullptr, 0, setting, sizeof setting))
    return fail_sys("unable to generate a salt");
  auto cd = std::make_unique<crypt_data>();
  if (!crypt_into(password, setting, *cd)) return fail_sys("unable to hash password");
  std::string out(cd->output);
  explicit_bzero(cd.get(), sizeof *cd);
  return out;
}

Result<std::string> normalize_hash(std::string_view hash) {
  std::string_view h = hash;
  if (starts(h, "{")) {
    const Prefix* found = nullptr;
    for (const auto& p : kPrefixes)
      if (starts(h, p.name)) found = &p;
    if (!found) return fail("unsupported password scheme " + std::string(h.substr(0, h.find('}') + 1)) +
                            " (only crypt(3) schemes are accepted)", kErrInvalid);
    h.remove_prefix(std::strlen(found->name));
    if (*found->crypt_ids) {
      bool ok = false;
      std::string_view ids = found->crypt_ids;
      while (!ids.empty()) {
        auto bar = ids.find('|');
        ok = ok || starts(h, ids.substr(0, bar));
        ids = bar == std::string_view::npos ? "" : ids.substr(bar + 1);
      }
      if (!ok) return fail(std::string("hash does not match its scheme ") + found->name, kErrInvalid);
    }
  }
  if (!known_crypt(h)) return fail("unsupported password hash (expected $y$, $6$, $2b$, ... or {SHA512-CRYPT}...)", kErrInvalid);
  for (unsigned char c : h)
    if (c <= ' ' || c >= 0x7f || c == ':') return fail("malformed password hash", kErrInvalid);
  // Let libcrypt judge the setting part without paying for a hash (imports of many users).
  std::string hs(h);
  int ok = crypt_checksalt(hs.c_str());
  if (ok == CRYPT_SALT_INVALID || ok == CRYPT_SALT_METHOD_DISABLED)
    return fail("malformed password hash", kErrInvalid);
  return hs;
}

bool verify_password(std::string_view password, const std::string& hash) {
  if (hash.empty() || !known_crypt(hash)) return false;
  auto cd = std::make_unique<crypt_data>();
  if (!crypt_into(password, hash, *cd)) return false;
  size_t n = std::strlen(cd->output);
  bool same = n == hash.size();
  unsigned char diff = same ? 0 : 1;
  for (size_t i = 0; i < hash.size(); ++i) diff |= static_cast<unsigned char>(cd->output[i % (n ? n : 1)] ^ hash[i]);
  explicit_bzero(cd.get(), sizeof *cd);
  return same && diff == 0;
}

}  // namespace posta::accounts
