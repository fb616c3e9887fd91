// CPtr<T, Free>: a move-only owner of a C library object, released with Free (SSL_free,
// event_free, ...) when it goes; Free's return value, if any, is ignored.
#pragma once
#include <memory>

namespace posta {

template <auto Free>
struct CallFree {
  template <class T>
  void operator()(T* p) const noexcept {
    Free(p);
  }
};

template <class T, auto Free>
using CPtr = std::unique_ptr<T, CallFree<Free>>;

}  // namespace posta
