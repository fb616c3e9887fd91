#include <unistd.h>

#include <algorithm>

#include "control/control.h"
#include "send.h"

namespace posta::send {

Config Config::load(const std::string& home) {
  Control c(home);
  Config cfg;
  auto clampn = [](long long v, long long lo, long long hi) { return std::clamp(v, lo, hi); };
  cfg.concurrency_local = static_cast<int>(clampn(c.number("concurrencylocal", 10), 1, 1000));
  cfg.concurrency_remote = static_cast<int>(clampn(c.number("concurrencyremote", 20), 1, 1000));
  cfg.concurrency_per_host = static_cast<int>(clampn(c.number("concurrencyperhost", 10), 1, 1000));
  cfg.lifetime = clampn(c.number("queuelifetime", 604800), 0, 365LL * 86400);
  cfg.bouncewarn = clampn(c.number("bouncewarn", 14400), 0, 365LL * 86400);
  cfg.retry_base = clampn(c.number("retrybase", 60), 1, 86400);
  cfg.retry_max = clampn(c.number("retrymax", 14400), cfg.retry_base, 7 * 86400);
  cfg.scan_interval = clampn(c.number("queuescaninterval", 60), 1, 86400);
  cfg.bounce_max_bytes = clampn(c.number("bouncemaxbytes", 1 << 20), 0, 1LL << 30);
  char host[256] = "localhost";
  ::gethostname(host, sizeof host - 1);
  cfg.me = c.string("me", host);
  if (c.exists("doublebounceto"))
    cfg.doublebounceto = c.string("doublebounceto", "");
  else
    cfg.doublebounceto = "postmaster";
  if (!cfg.doublebounceto.empty() && cfg.doublebounceto.find('@') == std::string::npos)
    cfg.doublebounceto += "@" + cfg.me;
  cfg.locals = DomainList::load(c, "locals");
  return cfg;
}

}  // namespace posta::send
