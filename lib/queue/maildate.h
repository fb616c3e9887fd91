// Dates and ids for headers the queue programs add (Received, Date, Message-ID, DSNs).
#pragma once
#include <ctime>
#include <string>

namespace posta::queue {

// RFC 5322 date in local time: "Thu, 01 Jan 2026 00:00:00 +0000". The one date writer for every
// header posta adds; the day always has two digits (RFC 5322 allows one or two), so dates align.
std::string rfc5322_date(std::time_t t);
// "<sec.usec.pid.n@domain>", unique on this host.
std::string make_message_id(const std::string& domain);

}  // namespace posta::queue
