// Shared folders (RFC 4314 ACLs): who of the owner's domain may do what with a folder.
// The ACL of a folder is the file posta-acl in the folder's directory (INTERNALS.md "Shared
// folders"); the owner has every right and is never listed there. The per-domain index
// $POSTA_HOME/mail/<domain>/.shared/<grantee> names the folders shared with a grantee, so
// that a LIST of the Other Users namespace reads two small files instead of every Maildir
// of the domain. The ACL is the authority: an index line whose ACL no longer grants
// anything is ignored by its readers.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace posta::mailstore {

// A set of RFC 4314 rights.
class Rights {
 public:
  static constexpr std::string_view kLetters = "lrswipkxtea";
  Rights() = default;
  static Rights all() { return Rights(static_cast<uint16_t>((1u << kLetters.size()) - 1)); }
  // Letters of kLetters, and the obsolete RFC 2086 "c" (= kx) and "d" (= te); fails on any
  // other character (the text names it).
  [[nodiscard]] static Result<Rights> parse(std::string_view letters);
  bool has(char right) const;
  bool empty() const { return bits_ == 0; }
  std::string str() const;  // in kLetters order; "" when empty
  Rights operator|(Rights o) const { return Rights(bits_ | o.bits_); }
  Rights without(Rights o) const { return Rights(bits_ & ~o.bits_); }
  bool operator==(const Rights&) const = default;

 private:
  explicit Rights(uint16_t bits) : bits_(bits) {}
  uint16_t bits_ = 0;
};

// "anyone" stands for every user of the owner's domain (never another domain, never an
// unauthenticated client).
inline constexpr std::string_view kAnyone = "anyone";

// An identifier of an ACL entry: "anyone" (any case), or an address of domain, lower-cased.
// Negative rights ("-name") are not supported and refused here.
[[nodiscard]] Result<std::string> acl_identifier(std::string_view id, std::string_view domain);

// The domain of an address (after its last '@'), lower-cased; "" without '@'.
std::string domain_of(std::string_view address);

class Acl {
 public:
  static constexpr std::string_view kFile = "posta-acl";
  // The ACL of a folder directory; an empty one when it has none. Lines that do not parse
  // are skipped (a hand-edited file never grants more than it says).
  [[nodiscard]] static Result<Acl> load(const std::string& folder_dir);
  // Written atomically (temp file, fsync, rename); the file is removed when empty.
  [[nodiscard]] Status save(const std::string& folder_dir) const;
  // The rights of a user who is not the owner: her entry and anyone's.
  Rights rights_of(std::string_view address) const;
  // Sets (or with empty rights removes) the entry of a checked identifier.
  void set(const std::string& identifier, Rights rights);
  const std::map<std::string, Rights>& entries() const { return entries_; }

 private:
  std::map<std::string, Rights> entries_;
};

// One folder shared with a grantee: owner's address and the folder's name in her store.
struct Share {
  std::string owner;
  std::string folder;
  bool operator==(const Share&) const = default;
};

class SharedIndex {
 public:
  // $POSTA_HOME/mail/<domain>/.shared (a dot name: never a user's Maildir, whose local part
  // cannot start with '.').
  SharedIndex(const std::string& home, std::string_view domain);
  // The folders listed for grantee and for anyone, without repeats.
  std::vector<Share> shared_with(std::string_view grantee) const;
  // Every grantee file's shares of owner (posta-user shares).
  std::vector<std::pair<std::string, Share>> shares_of(std::string_view owner) const;
  // Adds or removes one line of grantee's file (the caller holds lock()).
  [[nodiscard]] Status put(const std::string& grantee, const Share& s, bool present);
  // A folder of owner renamed (to "" = deleted), its children with it, in every file.
  [[nodiscard]] Status rename_folder(std::string_view owner, std::string_view from, std::string_view to);
  // Creates the directory (and mail/<domain>) when missing.
  [[nodiscard]] Status ensure_dir() const;
  // The path of the lock file every writer of ACLs and index files of the domain takes.
  std::string lock_path() const { return dir_ + "/lock"; }
  const std::string& dir() const { return dir_; }

 private:
  std::vector<Share> read(const std::string& grantee) const;
  [[nodiscard]] Status write(const std::string& grantee, const std::vector<Share>& shares);
  std::string dir_;
};

// Sets identifier's rights on folder (of owner, in folder_dir) in the ACL and in the index,
// under the domain's lock; empty rights remove the entry (DELETEACL, posta-user unshare).
// identifier must be checked (acl_identifier) and not the owner.
[[nodiscard]] Status set_share(const std::string& home, const std::string& owner, const std::string& folder,
                               const std::string& folder_dir, const std::string& identifier, Rights rights);

// Owner renamed (to "" = deleted) one of her folders: the index follows, under the lock.
[[nodiscard]] Status share_folder_renamed(const std::string& home, const std::string& owner,
                                          std::string_view from, std::string_view to);

}  // namespace posta::mailstore
