// format_outcome(): the action list as Pigeonhole's sieve-test prints it.
#include <algorithm>

#include "base/strings.h"
#include "sieve/sieve.h"

namespace posta::sieve {

namespace {

std::string flags_line(std::vector<std::string> flags) {
  for (auto& f : flags) {
    if (!f.empty() && f[0] == '\\') f = lower(f);
  }
  std::sort(flags.begin(), flags.end());
  std::string out = "        + add IMAP flags:";
  for (const auto& f : flags) out += " " + f;
  return out + "\n";
}

void store(std::string& out, std::string_view mailbox, bool create, const std::vector<std::string>& flags) {
  out += " * store message in folder: " + std::string(mailbox) + "\n";
  if (create) out += "        + create mailbox if it does not exist\n";
  if (!flags.empty()) out += flags_line(flags);
}

}  // namespace

std::string format_outcome(const Outcome& o) {
  std::string out = "Performed actions:\n";
  if (o.actions.empty()) out += "  (none)\n";
  for (const auto& a : o.actions) {
    switch (a.kind) {
      case Action::kKeep:
      case Action::kFileinto:
        store(out, a.kind == Action::kKeep ? "INBOX" : a.mailbox, a.create, a.flags);
        break;
      case Action::kRedirect:
        out += " * redirect message to: <" + a.address + ">\n";
        break;
      case Action::kDiscard:
        out += " * discard\n";
        break;
      case Action::kReject:
      case Action::kEreject:
        out += " * reject message with reason: " + a.reason + "\n";
        break;
      case Action::kVacation:
        out += " * send vacation message:\n";
        out += "    => seconds : " + std::to_string(a.period_seconds) + "\n";
        if (!a.subject.empty()) out += "    => subject : " + a.subject + "\n";
        if (!a.from.empty()) out += "    => from    : " + a.from + "\n";
        out += "    => handle  : " + a.handle + "\n";
        break;
    }
  }
  out += "Implicit keep:\n";
  if (o.implicit_keep) {
    store(out, "INBOX", false, o.implicit_keep_flags);
  } else {
    out += "  (none)\n";
  }
  return out;
}

}  // namespace posta::sieve
