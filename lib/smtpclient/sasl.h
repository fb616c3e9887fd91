// AUTH for relay hosts (RFC 4954): PLAIN preferred, LOGIN as the fallback.
#pragma once
#include <functional>
#include <string>

#include "base/error.h"
#include "smtpclient/reply.h"
#include "smtpclient/routes.h"

namespace posta::smtpc {

// send(line) writes one line and returns the server's reply.
using CommandFn = std::function<Result<Reply>(const std::string&)>;
[[nodiscard]] Status authenticate(const Extensions& ext, const Credentials& cred, const CommandFn& send);

}  // namespace posta::smtpc
