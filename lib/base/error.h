// Errors as values: [[nodiscard]] std::expected<T, Error>.
#pragma once
#include <cerrno>
#include <cstring>
#include <expected>
#include <string>

namespace posta {

struct Error {
  std::string what;  // "unable to open queue/lock: No such file or directory"
  int code = 0;      // errno or a program-specific code; 0 when none
};

inline Error sys_error(std::string what, int err = errno) {
  return Error{what + ": " + std::strerror(err), err};
}

template <class T>
using Result = std::expected<T, Error>;

using Status = std::expected<void, Error>;

inline std::unexpected<Error> fail(std::string what, int code = 0) {
  return std::unexpected(Error{std::move(what), code});
}
inline std::unexpected<Error> fail_sys(std::string what, int err = errno) {
  return std::unexpected(sys_error(std::move(what), err));
}

}  // namespace posta

// POSTA_TRY(dst, expr): evaluates expr (a Result); returns its error from the enclosing
// function, or moves its value into dst (a declaration or an lvalue).
#define POSTA_TRY_CAT2(a, b) a##b
#define POSTA_TRY_CAT(a, b) POSTA_TRY_CAT2(a, b)
#define POSTA_TRY_TMP POSTA_TRY_CAT(posta_try_, __LINE__)
#define POSTA_TRY(dst, expr)                                   \
  auto POSTA_TRY_TMP = (expr);                                 \
  if (!POSTA_TRY_TMP) return std::unexpected(POSTA_TRY_TMP.error()); \
  dst = std::move(*POSTA_TRY_TMP)
