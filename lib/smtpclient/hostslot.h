// Per-address connection limit shared by every posta-remote process of an instance:
// at most `limit` simultaneous SMTP connections to one ip:port, whatever recipient domains
// they serve (twenty domains hosted on one MX share its limit). A slot is an exclusive
// flock(2) on one of the files DIR/<ip>,<port>.<k> (k < limit); the kernel drops the lock
// when the holder exits, so a crashed process never leaks a slot.
// posta-send limits deliveries per recipient domain (control/concurrencyperhost); this
// applies the same number per remote address, which posta-send cannot know.
#pragma once
#include <string>

#include "base/error.h"
#include "io/fd.h"
#include "smtpclient/transport.h"

namespace posta::smtpc {

class HostSlot {
 public:
  // Waits at most `wait` for a free slot (error "busy" afterwards). limit <= 0: no limit.
  // Any trouble with the directory also means no limit (the limit is a courtesy, not a
  // reason to stop delivering), reported in `note` for the log.
  [[nodiscard]] static Result<HostSlot> acquire(const std::string& dir, const std::string& ip, int port,
                                                int limit, Millis wait, std::string& note);
  int index() const { return index_; }  // the slot held, -1 when unlimited

 private:
  Fd fd_;
  int index_ = -1;
};

}  // namespace posta::smtpc
