// Owning pointers for libevent objects, shared by every program with an event loop.
#pragma once
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "base/c_ptr.h"

namespace posta {

using EventPtr = CPtr<event, event_free>;
using EventBasePtr = CPtr<event_base, event_base_free>;
using BuffereventPtr = CPtr<bufferevent, bufferevent_free>;

}  // namespace posta
