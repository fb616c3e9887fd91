// The line codec under records.cc: "name=value\n" fields with %XX escapes, strict reader.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace posta::accounts::codec {

class Writer {
 public:
  explicit Writer(std::string_view kind);
  void field(std::string_view name, std::string_view value);
  void number(std::string_view name, uint64_t v) { field(name, std::to_string(v)); }
  void number(std::string_view name, int64_t v) { field(name, std::to_string(v)); }
  void flag(std::string_view name, bool v) { field(name, std::string_view(v ? "1" : "0")); }
  void repeated(std::string_view name, const std::vector<std::string>& values);
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

class Reader {
 public:
  // Fails unless s starts with the version line for kind.
  [[nodiscard]] static Result<Reader> start(std::string_view s, std::string_view kind);
  [[nodiscard]] Result<std::string> text(std::string_view name);
  [[nodiscard]] Result<uint64_t> u64(std::string_view name);
  [[nodiscard]] Result<int64_t> i64(std::string_view name);
  [[nodiscard]] Result<bool> flag(std::string_view name);
  [[nodiscard]] Result<std::vector<std::string>> repeated(std::string_view name);
  // Fails if anything is left.
  [[nodiscard]] Status finish() const;

 private:
  explicit Reader(std::string_view rest) : rest_(rest) {}
  bool peek_is(std::string_view name) const;
  template <class T>
  [[nodiscard]] Result<T> integer(std::string_view name);
  std::string_view rest_;
};

std::string escape(std::string_view s);
[[nodiscard]] Result<std::string> unescape(std::string_view s);

}  // namespace posta::accounts::codec
