// The config file of a backup repository, plain text:
//   posta-backup repository 1
//   kdf scrypt <log2 N> <r> <p> <salt, hex>
//   key <master key wrapped by the passphrase (crypto.h), hex>
#pragma once
#include <string>

#include "backup/crypto.h"
#include "base/error.h"

namespace posta::backup {

struct RepoConfig {
  int version = 0;
  KdfParams kdf;
  std::string wrapped_key;
};

std::string format_config(const RepoConfig& c);
[[nodiscard]] Result<RepoConfig> parse_config(std::string_view text);

}  // namespace posta::backup
