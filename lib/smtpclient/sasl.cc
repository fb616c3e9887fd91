#include "smtpclient/sasl.h"

#include "base/base64.h"

namespace posta::smtpc {

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
