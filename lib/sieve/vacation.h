// Vacation replies (RFC 5230) under the rules of RFC 3834: when not to answer, what the
// answer looks like, and the memory of whom was answered when.
#pragma once
#include <ctime>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "sieve/sieve.h"

namespace posta::sieve {

// Whether an address is one of the user's own: the recipient, the user's address, vacation
// :addresses, and (in posta-local) the aliases that deliver to the user.
using OwnAddress = std::function<bool(std::string_view address)>;

// Why no reply may be sent to msg, or nullopt when one may. Refused: a null or
// MAILER-DAEMON/owner-*/*-request/*-bounces sender, a sender that is one of the user's own,
// Auto-Submitted other than "no", any List-* field, Precedence bulk/list/junk,
// X-Spam-Flag: YES, and mail where none of the user's own addresses is in
// To/Cc/Bcc/Resent-To/Resent-Cc/Resent-Bcc.
std::optional<std::string> vacation_refusal(const Message& msg, const OwnAddress& is_own);
// The same with the own addresses listed (compared case-insensitively).
std::optional<std::string> vacation_refusal(const Message& msg, const std::vector<std::string>& own);

struct VacationReply {
  std::string from;       // header From: address (":from", else the recipient)
  std::string to;         // the envelope sender of the original
  std::string data;       // the whole reply message, LF line ends
};

// The reply to msg for action a (Subject "Auto: <original subject>" unless :subject;
// In-Reply-To/References; Auto-Submitted: auto-replied; :mime reasons used as a MIME part).
VacationReply vacation_reply(const Action& a, const Message& msg, std::string_view recipient,
                             std::string_view date, std::string_view message_id);

// "<maildir>/sieve/vacation.seen": one line "<expiry> <sender> <handle>" per reply sent,
// rewritten under flock(2) with expired lines dropped; at most max_entries lines are kept.
class VacationMemory {
 public:
  explicit VacationMemory(std::string path, size_t max_entries = 10000)
      : path_(std::move(path)), max_(max_entries) {}
  // True (and remembered until now + period) when sender was not answered with handle
  // within its period; false when it was.
  [[nodiscard]] Result<bool> claim(std::string_view sender, std::string_view handle, std::time_t now,
                                   uint64_t period);

 private:
  std::string path_;
  size_t max_;
};

}  // namespace posta::sieve
