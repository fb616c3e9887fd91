// The accounts databases (users, domains, aliases, lists) in $POSTA_HOME/db, or for a
// process that may not join it their published copy in $POSTA_HOME/accounts: lookups for
// smtpd (RCPT checks), posta-local (delivery), posta-send (local domains), posta-auth, and
// the admin writes used by posta-user/-domain/-alias/-list.
//
//   auto acc = posta::accounts::Accounts::open(posta::posta_home());
//   if (!acc) ...temporary trouble (111 / 451)...
//   auto r = acc->resolve("John+news@Example.ORG");
//   if (!r) ...temporary trouble...
//   switch (r->kind) { case Resolution::kUser: deliver to r->user.maildir ... }
//
// An Accounts handle belongs to one thread. It is cheap to open (well under a millisecond)
// and safe to keep open for a connection's lifetime: when another process ran recovery
// (DB_REGISTER, see INTERNALS.md "## Databases"), the next call reopens transparently.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "accounts/address.h"
#include "accounts/records.h"
#include "base/error.h"

namespace posta::db {
class Env;
}

namespace posta::accounts {

// What an envelope recipient means.
struct Resolution {
  enum Kind {
    kUser,         // deliver to user.maildir (detail = sub-address tag, "" if none)
    kAlias,        // forward to targets; also deliver to user when keep_copy (user filled)
    kList,         // expand list
    kDisabled,     // user or domain exists but is disabled: refuse, 550 5.2.1
    kUnknownUser,  // local domain, no such address: 550 5.1.1
    kNotLocal,     // not one of our domains (relay decision is the caller's)
  };
  Kind kind = kNotLocal;
  std::string address;               // normalised input address (domain lower-cased)
  UserRecord user;                   // kUser; kAlias with keep_copy; kDisabled for a user
  std::vector<std::string> targets;  // kAlias
  bool keep_copy = false;            // kAlias
  bool catchall = false;             // kAlias produced by the domain's catch-all
  ListRecord list;                   // kList
  std::string detail;                // sub-address tag of user+tag@dom ("" if none)
};

// Resolution order for local@domain (domain matched case-insensitively, local part too):
//   1. domain not in the domains database -> kNotLocal; disabled domain -> kDisabled
//   2. exact alias, then user, then list for the full local part
//   3. if the local part holds a separator (control/subaddress, default "+"; "none" or an
//      empty file disables it): the same for the part before it, detail = the rest
//   4. the domain's catch-all -> kAlias {catchall}, catchall = true
//   5. kUnknownUser
// A user with enabled = false gives kDisabled.
class Accounts {
 public:
  enum class Mode {
    kReadOnly,   // lookups in db/ (posta-auth and the admin tools: they read hashes and
                 // failure counts); a missing db directory or database reads as empty; a
                 // process that may not join db/ reads the published copy instead
    kReadWrite,  // creates $POSTA_HOME/db and the environment on first use, and publishes
                 // the copy when there is none yet
    kPublished,  // lookups in the published copy ($POSTA_HOME/accounts/; no hashes): the
                 // programs that handle mail (posta-smtpd, -local, -remote, -send), so that
                 // one of them killed at any moment leaves no Berkeley DB mutex held
                 // (INTERNALS.md "### The published copy"). An instance whose db/ was never
                 // published is joined read-only, as kReadOnly does.
  };
  [[nodiscard]] static Result<Accounts> open(const std::string& home, Mode mode = Mode::kPublished);
  Accounts(Accounts&&) noexcept;
  Accounts& operator=(Accounts&&) noexcept;
  ~Accounts();

  // Lookups: nullopt when absent; an error only for trouble (kErrInvalid for a bad address).
  // A user's password_hash is "" unless with_password, which reads secret/secrets.db
  // (posta-auth and the admin tools only: the programs that parse network input never open
  // it or its environment).
  [[nodiscard]] Result<std::optional<UserRecord>> find_user(std::string_view address,
                                                            bool with_password = false);
  [[nodiscard]] Result<std::optional<DomainRecord>> find_domain(std::string_view domain);
  [[nodiscard]] Result<std::optional<AliasRecord>> find_alias(std::string_view address);
  [[nodiscard]] Result<std::optional<ListRecord>> find_list(std::string_view address);
  [[nodiscard]] Result<bool> is_local_domain(std::string_view domain);
  [[nodiscard]] Result<Resolution> resolve(std::string_view address);

  // Listings, sorted by domain then local part; domain "" = all domains.
  [[nodiscard]] Result<std::vector<DomainRecord>> domains();
  [[nodiscard]] Result<std::vector<UserRecord>> users(std::string_view domain = "",
                                                      bool with_passwords = false);
  [[nodiscard]] Result<std::vector<AliasRecord>> aliases(std::string_view domain = "");
  [[nodiscard]] Result<std::vector<ListRecord>> lists(std::string_view domain = "");
  [[nodiscard]] Result<uint64_t> count_users(std::string_view domain);

  // Writes, each one transaction (kReadWrite only). A user's password_hash goes to
  // secret/secrets.db (its record there is deleted when the hash is ""), never to users.db,
  // in a transaction of the secret environment committed just before the users one (see
  // accounts_impl.h). put_user replaces the password too: read with find_user(address, true). add_* fail with kErrExists when the
  // address is taken (a user and an alias may share an address, so that an alias with
  // keep_copy forwards and keeps a copy; a list shares it with nothing); add_user with kErrNotFound for an unknown
  // domain and kErrRefused past max_accounts. put_* replace an existing record (kErrNotFound
  // if absent). del_domain refuses (kErrRefused) while the domain has users, aliases or
  // lists unless force, which deletes those records too (never a Maildir).
  [[nodiscard]] Status add_domain(const DomainRecord& d);
  [[nodiscard]] Status put_domain(const DomainRecord& d);
  [[nodiscard]] Status del_domain(std::string_view domain, bool force = false);
  [[nodiscard]] Status add_user(const UserRecord& u);
  [[nodiscard]] Status put_user(const UserRecord& u);
  [[nodiscard]] Status del_user(std::string_view address);  // then its secret
  // Bulk import: all of batch in one transaction (all or nothing), with the same checks as
  // add_user; replace: an existing user is overwritten instead of kErrExists.
  [[nodiscard]] Status import_users(const std::vector<UserRecord>& batch, bool replace);
  [[nodiscard]] Status add_alias(const AliasRecord& a);
  [[nodiscard]] Status put_alias(const AliasRecord& a);
  [[nodiscard]] Status del_alias(std::string_view address);
  [[nodiscard]] Status add_list(const ListRecord& l);
  [[nodiscard]] Status put_list(const ListRecord& l);
  [[nodiscard]] Status del_list(std::string_view address);
  // Best effort, no fsync wait beyond the normal commit; used by posta-auth.
  [[nodiscard]] Status set_last_login(std::string_view address, int64_t when);
  // Deletes key from ratelimit.db (posta-auth's failure counts, ratelimit.h) if it is there.
  // The lookup goes through a handle this Accounts keeps open with its others, so a
  // long-lived caller (posta-authd) pays no database open per check; nothing is written
  // when the key is absent (the common case). Read-only handles delete through
  // FailureCounter::forget.
  [[nodiscard]] Status forget_failures(const std::string& key);
  // Whether ratelimit.db holds key, through the same kept handle (a lookup only).
  [[nodiscard]] Result<bool> has_failures(const std::string& key);
  // Moves the password hashes that users.db records of an older posta still hold into
  // secrets.db (batches of users, each one transaction; a marker record in secrets.db says
  // it is done, so that afterwards this is one lookup). Run by posta-user before its writes.
  // Returns how many hashes moved.
  [[nodiscard]] Result<size_t> migrate_secrets();

  // Writes the published copy ($POSTA_HOME/accounts/, INTERNALS.md "### The published
  // copy") from the databases now (kReadWrite only). A handle that wrote an accounts record
  // also does it when it is destroyed.
  [[nodiscard]] Status publish();

  const std::string& home() const;
  db::Env& env();  // for lib/accounts internals (ratelimit) and tests
  db::Env* secret_env();  // for tests: $POSTA_HOME/db/secret once opened, else nullptr

  struct Impl;

 private:
  explicit Accounts(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Default Maildir of a new user: <home>/mail/<domain>/<local>/ (local part as given).
std::string default_maildir(const std::string& home, const Address& a);

}  // namespace posta::accounts
