// libFuzzer target for what the servers decode before a password check (lib/auth/sasl.h,
// lib/auth/credentials.h) and the codecs under it (lib/base/base64.h, lib/base/hex.h).
// Invariants checked: nothing crashes; a PLAIN message that parses gives a non-empty login
// that follows the authorization-identity rule, a password without NUL, and parses the
// same again once re-encoded; base64 (strict and lenient) and hex round-trip.
// Built by `make fuzz` into build-fuzz/bin/ (clang 16, ASan+UBSan) and run for a short
// while by test/bats/fuzz.bats.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "auth/credentials.h"
#include "auth/sasl.h"
#include "base/base64.h"
#include "base/hex.h"

using namespace posta;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

void fuzz_codecs(std::string_view s) {
  if (auto b = base64_decode(s)) check(*base64_decode(base64_encode(*b)) == *b);
  check(*base64_decode(base64_encode(s)) == s);
  check(base64_decode_lenient(base64_encode(s)) == s);
  (void)base64_decode_lenient(s);
  if (auto h = hex_decode(s)) check(*hex_decode(hex_encode(*h)) == *h);
  check(*hex_decode(hex_encode(s)) == s);
}

// s as the decoded PLAIN message.
void fuzz_plain(std::string_view s) {
  auto c = auth::parse_plain(auth::Secret(std::string(s)));
  if (!c) return;
  check(!c->login.empty());
  check(c->password.str().find('\0') == std::string::npos);
  size_t a = s.find('\0'), b = s.find('\0', a + 1);
  std::string_view authzid = s.substr(0, a), authcid = s.substr(a + 1, b - a - 1);
  check(c->login == auth::login_for(authzid, authcid));
  check(c->login == authcid || c->login.size() == authzid.size() + 1 + authcid.size());
  (void)auth::check_credentials(*c);
  std::string again(authzid);
  again += '\0';
  again += authcid;
  again += '\0';
  again += c->password.str();
  auto d = auth::decode_initial_response(base64_encode(again));
  check(d.has_value());
  auto c2 = auth::parse_plain(*d);
  check(c2 && c2->login == c->login && c2->password.str() == c->password.str());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view s(reinterpret_cast<const char*>(data), size);
  for (bool initial : {true, false}) {
    auto m = initial ? auth::decode_initial_response(s) : auth::decode_response(s);
    if (m) (void)auth::parse_plain(*m);
  }
  fuzz_plain(s);
  fuzz_codecs(s);
  return 0;
}
