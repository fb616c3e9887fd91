#include "smtpclient/sasl.h"

#include <openssl/evp.h>

namespace posta::smtpc {

std::string base64_encode(std::string_view in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  out.resize(n);
  return out;
}

Status authenticate(const Extensions& ext, const Credentials& cred, const CommandFn& send) {
  if (ext.has_auth("PLAIN")) {
    std::string blob;
    blob.push_back('\0');
    blob += cred.user;
    blob.push_back('\0');
    blob += cred.password;
    auto r = send("AUTH PLAIN " + base64_encode(blob));
    if (!r) return std::unexpected(r.error());
    if (r->code != 235) return fail("authentication failed: " + r->text());
    return {};
  }
  if (ext.has_auth("LOGIN")) {
    auto r = send("AUTH LOGIN");
    if (!r) return std::unexpected(r.error());
    if (r->code != 334) return fail("AUTH LOGIN refused: " + r->text());
    r = send(base64_encode(cred.user));
    if (!r) return std::unexpected(r.error());
    if (r->code != 334) return fail("AUTH LOGIN refused the user name: " + r->text());
    r = send(base64_encode(cred.password));
    if (!r) return std::unexpected(r.error());
    if (r->code != 235) return fail("authentication failed: " + r->text());
    return {};
  }
  return fail("no supported AUTH mechanism (have PLAIN, LOGIN)");
}

}  // namespace posta::smtpc
