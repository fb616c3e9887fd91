#include "admin/record_edit.h"

namespace posta::admin {

namespace {
Status assign(const std::string& text, uint64_t& field, Result<uint64_t> (*parse)(std::string_view)) {
  if (text.empty()) return {};
  auto v = parse(text);
  if (!v) return std::unexpected(v.error());
  field = *v;
  return {};
}
}  // namespace

Status assign_size(const std::string& text, uint64_t& field) { return assign(text, field, parse_size); }
Status assign_count(const std::string& text, uint64_t& field) { return assign(text, field, parse_count); }

}  // namespace posta::admin
