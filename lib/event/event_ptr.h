// Owning pointers for libevent objects, shared by every program with an event loop.
#pragma once
#include <event2/bufferevent.h>
#include <event2/event.h>

#include <memory>

namespace posta {

struct EventFree {
  void operator()(event* e) const noexcept { event_free(e); }
};
using EventPtr = std::unique_ptr<event, EventFree>;

struct EventBaseFree {
  void operator()(event_base* b) const noexcept { event_base_free(b); }
};
using EventBasePtr = std::unique_ptr<event_base, EventBaseFree>;

struct BuffereventFree {
  void operator()(bufferevent* b) const noexcept { bufferevent_free(b); }
};
using BuffereventPtr = std::unique_ptr<bufferevent, BuffereventFree>;

}  // namespace posta
