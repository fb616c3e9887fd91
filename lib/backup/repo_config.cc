#include "backup/repo_config.h"

#include "backup/repo.h"
#include "base/hex.h"
#include "base/strings.h"

namespace posta::backup {

std::string format_config(const RepoConfig& c) {
  return "posta-backup repository " + std::to_string(c.version) + "\nkdf scrypt " + std::to_string(c.kdf.log2_n) +
         " " + std::to_string(c.kdf.r) + " " + std::to_string(c.kdf.p) + " " + hex_encode(c.kdf.salt) + "\nkey " +
         hex_encode(c.wrapped_key) + "\n";
}

Result<RepoConfig> parse_config(std::string_view text) {
  RepoConfig c;
  auto bad = [](std::string why) { return fail("repository config: " + why); };
  auto lines = split(text, '\n');
  if (lines.size() < 3) return bad("too short");
  auto head = split(lines[0], ' ');
  if (head.size() != 3 || head[0] != "posta-backup" || head[1] != "repository") return bad("not a posta-backup repository");
  auto version = parse_uint(head[2]);
  if (!version || *version != kRepoVersion)
    return bad("format " + std::string(head[2]) + " is not supported (this posta-backup reads " +
               std::to_string(kRepoVersion) + ")");
  auto kdf = split(lines[1], ' ');
  if (kdf.size() != 6 || kdf[0] != "kdf" || kdf[1] != "scrypt") return bad("unknown key derivation");
  c.version = kRepoVersion;
  auto n = parse_uint(kdf[2]), r = parse_uint(kdf[3]), par = parse_uint(kdf[4]);
  if (!n || !r || !par) return bad("scrypt parameters are not numbers");
  c.kdf.log2_n = *n;
  c.kdf.r = *r;
  c.kdf.p = *par;
  if (c.kdf.log2_n < 10 || c.kdf.log2_n > 24 || c.kdf.r < 1 || c.kdf.r > 32 || c.kdf.p < 1 || c.kdf.p > 16)
    return bad("scrypt parameters out of range");
  POSTA_TRY(c.kdf.salt, hex_decode(kdf[5]));
  auto key = split(lines[2], ' ');
  if (key.size() != 2 || key[0] != "key") return bad("no key line");
  POSTA_TRY(c.wrapped_key, hex_decode(key[1]));
  return c;
}

}  // namespace posta::backup
