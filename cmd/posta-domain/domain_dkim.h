// posta-domain dkim-keygen DOMAIN [--selector S] [--type rsa|ed25519] [--force]
// posta-domain dns DOMAIN: the MX, SPF, DMARC and DKIM records to publish.
#pragma once
#include "domain.h"

namespace posta::domaincmd {

void register_dkim(CLI::App& app, Context& ctx, Action& action);

}  // namespace posta::domaincmd
