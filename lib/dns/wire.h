// DNS wire format (RFC 1035): building one query and strictly parsing its response.
// libevent's evdns has no MX/TXT interface, so lib/dns speaks the wire format itself and
// uses libevent only for the event loop (resolver.h).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace posta::dns {

enum RrType : uint16_t { kA = 1, kCname = 5, kPtr = 12, kMx = 15, kTxt = 16, kAaaa = 28, kOpt = 41 };
enum Rcode : int { kNoError = 0, kFormErr = 1, kServFail = 2, kNxDomain = 3, kNotImp = 4, kRefused = 5 };

struct Record {
  std::string name;     // owner, lower case, no trailing dot
  uint16_t type = 0;
  uint32_t ttl = 0;
  // decoded data: A/AAAA: the address as text; MX: the exchange ("" for the root, i.e. null
  // MX) with preference in `pref`; TXT: the character-strings concatenated; CNAME, PTR: the target
  std::string data;
  uint16_t pref = 0;
};

struct Response {
  uint16_t id = 0;
  int rcode = 0;
  bool truncated = false;
  bool authoritative = false;
  std::vector<Record> answers;  // answer section, types we decode only
};

// A recursive query for name/type with an EDNS0 OPT record (1232-byte UDP payload).
[[nodiscard]] Result<std::string> build_query(uint16_t id, std::string_view name, uint16_t type);

// Parses a response; fails on anything malformed (truncated fields, compression loops,
// labels past 63 octets, names past 255, trailing garbage is tolerated as DNS servers pad).
[[nodiscard]] Result<Response> parse_response(std::string_view packet);

// Checks that a response answers exactly this query (id, QR bit, question).
[[nodiscard]] Status matches_query(std::string_view packet, uint16_t id, std::string_view name,
                                   uint16_t type);

// Lower-cased name without a trailing dot; fails on empty labels, labels > 63, total > 253.
[[nodiscard]] Result<std::string> normalize_name(std::string_view name);

}  // namespace posta::dns
