// posta-setup: creates a ready instance (see man/posta-setup.8).
#pragma once
#include <sys/types.h>

#include <string>
#include <vector>

#include "base/error.h"
#include "instance/template.h"

namespace posta::setup {

struct Options {
  std::string home;
  std::string domain;
  long port_base = -1;  // -1: 10000 rootless, 0 with --system
  std::string ip = "127.0.0.1";
  bool system = false;
  bool update_services = false;
  std::string bindir;   // empty: the directory of posta-setup itself
  std::string user;     // empty: posta as root, else the current user
};

// Who owns and runs the instance.
struct Owner {
  std::string user, group;
  uid_t uid = 0;
  gid_t gid = 0;
  bool chown = false;  // root set up a rootless instance: chown everything to uid/gid
};

// The names in dir, sorted, without hidden ones (".x") and editor backups ("x~").
[[nodiscard]] Result<std::vector<std::string>> list_dir(const std::string& dir);

// Every system user of --system mode, by role: placeholder name -> user name.
std::vector<std::pair<std::string, std::string>> system_roles();

// setup_user.cc
[[nodiscard]] Result<Owner> resolve_owner(const Options& o);
[[nodiscard]] Status chown_tree(const std::string& dir, const Owner& ow);
// Runs argv with env additions as the owner (privileges dropped in the child when root).
[[nodiscard]] Result<int> run_as_owner(const std::vector<std::string>& argv,
                                       const std::vector<std::string>& env, const Owner& ow);
// Warns when the owner cannot reach dir (a parent directory without search permission).
void check_reachable(const std::string& dir, const Owner& ow);

// setup_template.cc
// Copies etc/service/<svc> for every template whose `requires` is met; adds log/run.
// Returns the names installed. overwrite: refresh files of existing service dirs.
[[nodiscard]] Result<std::vector<std::string>> install_services(const std::string& etc,
                                                                const std::string& home,
                                                                const TemplateVars& vars,
                                                                bool overwrite);
// Copies etc/control/<name> unless present; returns the names written.
[[nodiscard]] Result<std::vector<std::string>> install_control(const std::string& etc,
                                                               const std::string& home,
                                                               const TemplateVars& vars);

// $POSTA_HOME/spam/ and spam/tmp/, and etc/spam/rules copied to spam/rules: the shipped
// rules of posta-spamcheck, replaced on every run (the instance's own are control/spamrules
// and control/spamrules.local).
[[nodiscard]] Status install_spam(const std::string& etc, const std::string& home);

// setup_tls.cc: self-signed certificate for domain into dir/cert.pem + dir/key.pem (0600).
// names[0] becomes the CN; every name (DNS name or IP address) goes into subjectAltName.
[[nodiscard]] Status make_certificate(const std::string& dir, const std::vector<std::string>& names);

// setup_system.cc (--system, as root)
// The shared groups posta (databases) and posta-spool (spool), created unless present.
[[nodiscard]] Status ensure_system_groups();
// home/bin as a root-owned directory: a symlink to each program of bindir, and private
// set-id copies of posta-queue (setuid posta-q) and posta-auth (setuid root, group posta).
[[nodiscard]] Status install_system_bin(const std::string& home, const std::string& bindir);
// Owners and modes of queue/ (qmail layout), db/, mail/ and spam/.
[[nodiscard]] Status system_layout(const std::string& home);
// spam/ (and its tmp/ and rules) to posta-spamcheck's user, posta-c.
[[nodiscard]] Status system_spam_layout(const std::string& home);

// setup_run.cc
[[nodiscard]] int run(const Options& o);

}  // namespace posta::setup
