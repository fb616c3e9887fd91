// What posta-policyd answers to a request (policy_proto.h), given its store and settings.
#pragma once
#include <cstdint>

#include "control/control.h"
#include "policy/greylist.h"
#include "policy/policy_proto.h"
#include "policy/store.h"

namespace posta::policy {

// control/greylistdelay (seconds, default 300), greylistauto (passes, default 5, 0: never);
// lifetimes 2 and 35 days.
GreylistSettings load_greylist_settings(const Control& ctl);

// A store failure is an error; a request that cannot be served (an address that does not
// parse) is an "error" answer.
[[nodiscard]] Result<Answer> decide(Store& s, const GreylistSettings& g, const Request& r, int64_t now);

// The longest window a rate request may ask for (a day): counters older than that go.
inline constexpr uint32_t kMaxRateWindow = 86400;

// Everything past its lifetime removed; how many records went.
[[nodiscard]] Result<size_t> expire(Store& s, const GreylistSettings& g, int64_t now);

}  // namespace posta::policy
