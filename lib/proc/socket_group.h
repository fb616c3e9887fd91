// The -G option of the daemons that listen on a unix socket (posta-authd, posta-queued,
// posta-tlsd): the group that may connect to it.
#pragma once
#include <sys/types.h>

#include <optional>
#include <string>

#include "base/error.h"

namespace posta {

// nullopt when no group was given (""), else its gid; an error for a group that does not exist.
[[nodiscard]] Result<std::optional<gid_t>> socket_group(const std::string& name);

}  // namespace posta
