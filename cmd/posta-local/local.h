// posta-local: delivers one message (fd 0, seekable) to one local recipient.
#pragma once
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "accounts/lookup.h"
#include "control/control.h"
#include "mailhdr/mailhdr.h"

namespace posta::local {

// What the program prints (one line on stdout) and exits with (0 / 100 / 111).
struct Outcome {
  int code = 0;
  std::string reason;
};
Outcome ok(std::string reason);
Outcome permanent(std::string reason);
Outcome temporary(std::string reason);

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
  explicit Context(const std::string& h) : home(h), control(h) {}
};

// The whole delivery; never throws.
Outcome run(const std::string& sender, const std::string& recipient);

// Delivers into user's Maildir. delivered_to is the address written in Delivered-To.
Outcome deliver_to_user(Context& ctx, const accounts::UserRecord& user,
                        const std::string& delivered_to, const std::string& detail);

// Re-injects the message through $POSTA_QUEUE (default: sibling posta-queue) with prefix
// (header fields, each ending in the message's line end) added at the top, every field
// named in drop removed from the original header, and the given envelope.
Outcome reinject(Context& ctx, const std::string& env_sender,
                 const std::vector<std::string>& recipients, const std::string& prefix,
                 const std::vector<std::string>& drop = {});

// Alias / forward / catch-all.
Outcome forward(Context& ctx, accounts::Resolution& r, accounts::Accounts& acc);

// Mailing list expansion (posting policy, list headers, bounce address).
Outcome expand_list(Context& ctx, const accounts::ListRecord& list);
// "<list>-bounces@", "<list>-request@", "<list>-owner@": to the list's moderators.
std::optional<Outcome> list_admin_address(Context& ctx, accounts::Accounts& acc,
                                          const std::string& address);

// The envelope-sender syntax of an address for Return-Path: "<a@b>" or "<>".
std::string angle(const std::string& address);

}  // namespace posta::local
