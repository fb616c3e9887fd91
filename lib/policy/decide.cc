#include "policy/decide.h"

#include <algorithm>

#include "policy/rate.h"

namespace posta::policy {

GreylistSettings load_greylist_settings(const Control& ctl) {
  GreylistSettings g;
  g.delay = std::max(0LL, ctl.number("greylistdelay", 300));
  g.auto_allow = static_cast<uint32_t>(std::clamp(ctl.number("greylistauto", 5), 0LL, 1000000LL));
  return g;
}

Result<Answer> decide(Store& s, const GreylistSettings& g, const Request& r, int64_t now) {
  Answer a;
  if (auto* q = std::get_if<RateRequest>(&r)) {
    if (q->window > kMaxRateWindow) {
      a.text = "window longer than a day";
      return a;
    }
    POSTA_TRY(bool ok, rate_count(s, q->key, q->limit, q->window, now));
    a.kind = ok ? Answer::Kind::kOk : Answer::Kind::kOver;
    return a;
  }
  auto& gr = std::get<GreylistRequest>(r);
  auto ip = net::parse_ip(gr.ip);
  if (!ip) {
    a.text = "not an address";
    return a;
  }
  POSTA_TRY(auto v, greylist_check(s, g, *ip, gr.sender, gr.rcpt, now));
  a.kind = v.pass ? Answer::Kind::kPass : Answer::Kind::kDefer;
  a.seconds = static_cast<uint32_t>(std::max<int64_t>(0, v.retry_in));
  return a;
}

Result<size_t> expire(Store& s, const GreylistSettings& g, int64_t now) {
  POSTA_TRY(size_t grey, greylist_expire(s, g, now));
  POSTA_TRY(size_t rates, rate_expire(s, kMaxRateWindow, now));
  return grey + rates;
}

}  // namespace posta::policy
