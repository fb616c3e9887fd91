// posta-local: delivers one message (fd 0, seekable) to one local recipient.
#pragma once
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "accounts/lookup.h"
#include "base/error.h"
#include "control/control.h"
#include "mailhdr/mailhdr.h"

namespace posta::local {

// A delivery's answer: the line the program prints on stdout, and its exit code 0; or
// why not, with the exit code in Error::code (kDeliveryPermanent or kDeliveryTemporary).
using Delivery = Result<std::string>;
Delivery ok(std::string reason);
std::unexpected<Error> permanent(std::string reason);
std::unexpected<Error> temporary(std::string reason);
// The exit code (lib/base/exitcode.h DeliveryExit) and the line of d.
int exit_code(const Delivery& d);
const std::string& reason(const Delivery& d);

struct Context {
  std::string home;
  std::string sender;     // envelope sender, "" for the null sender
  std::string recipient;  // as given on the command line
  int msg_fd = 0;         // the message, read with pread only
  uint64_t msg_size = 0;
  std::string raw_header;
  mailhdr::Header header;
  Control control;
  time_t now = 0;
  std::optional<time_t> queue_time;  // POSTA_QUEUE_TIME
  accounts::Accounts* accounts = nullptr;  // run()'s handle, for the vacation's own addresses
  explicit Context(const std::string& h) : home(h), control(h) {}
};

// The whole delivery; never throws.
Delivery run(const std::string& sender, const std::string& recipient);

// Delivers into user's Maildir. delivered_to is the address written in Delivered-To.
Delivery deliver_to_user(Context& ctx, const accounts::UserRecord& user,
                        const std::string& delivered_to, const std::string& detail);

// Stores one copy into folder ("" = INBOX) of Maildir md, quota checked, with the Maildir
// flag letters (sorted; "" = none, the message then stays in new/).
Delivery store(Context& ctx, const accounts::UserRecord& user, const std::string& md,
               const std::string& delivered_to, const std::string& folder, const std::string& letters);
// The folder a message goes to when no Sieve script decides: Junk for spam-flagged mail
// (control/junkfolder), the sub-address folder when it exists, else INBOX ("").
Result<std::string> default_folder(const Context& ctx, const std::string& md, const std::string& detail);

// The admin and user Sieve scripts (local_sieve.cc): nullopt when there are none, else the
// delivery after their actions were performed.
std::optional<Delivery> deliver_with_sieve(Context& ctx, const accounts::UserRecord& user, const std::string& md,
                                           const std::string& delivered_to, const std::string& detail);

// Queues a new message (LF line ends) from env_sender ("" = null sender) to recipients.
Delivery inject_new(const std::string& env_sender, const std::vector<std::string>& recipients,
                    std::string_view data);

// Re-injects the message through the injection client (queue/inject.h) with prefix
// (header fields, each ending in the message's line end) added at the top, every field
// named in drop removed from the original header, and the given envelope.
Delivery reinject(Context& ctx, const std::string& env_sender,
                 const std::vector<std::string>& recipients, const std::string& prefix,
                 const std::vector<std::string>& drop = {});

// Alias / forward / catch-all.
Delivery forward(Context& ctx, accounts::Resolution& r, accounts::Accounts& acc);

// Mailing list expansion (posting policy, list headers, bounce address).
Delivery expand_list(Context& ctx, const accounts::ListRecord& list);
// "<list>-bounces@", "<list>-request@", "<list>-owner@": to the list's moderators.
std::optional<Delivery> list_admin_address(Context& ctx, accounts::Accounts& acc,
                                          const std::string& address);

// The envelope-sender syntax of an address for Return-Path: "<a@b>" or "<>".
std::string angle(const std::string& address);

}  // namespace posta::local
