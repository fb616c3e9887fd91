#include "proc/socket_group.h"

#include "proc/privilege.h"

namespace posta {

Result<std::optional<gid_t>> socket_group(const std::string& name) {
  if (name.empty()) return std::nullopt;
  auto g = group_id(name);
  if (!g) return std::unexpected(g.error());
  return *g;
}

}  // namespace posta
