// DKIM key records from the DNS: TXT at selector._domainkey.domain through lib/dns.
#pragma once
#include <string_view>

#include "dkim/verify.h"
#include "dns/resolver.h"

namespace posta::dkim {

// What a TXT answer means as a key record: the character-strings of a record are already
// joined (dns/wire.h); of several records, the first that starts with "v=DKIM1" (else the
// first); NXDOMAIN and no data are kNotFound, a DNS failure is kTempFail.
KeyLookup key_from_answer(const dns::Answer& a);

// A fetcher that asks for the keys of the message's signatures (key_names) all at once, then
// answers verify() from those answers (and asks again for a name it did not prefetch). The
// resolver must outlive the fetcher.
KeyFetcher dns_key_fetcher(const dns::Resolver& resolver, std::string_view crlf_message);

}  // namespace posta::dkim
