// Which programs posta-auth may run after a successful login (control/authprograms). The
// program runs as the mail store owner, so a pre-auth server that names its own program
// (a shell, say) would turn one password into every mailbox: only the listed commands run.
#pragma once
#include <string>
#include <vector>

#include "base/error.h"

namespace posta::accounts {

class PostAuthPolicy {
 public:
  // One command per line: an absolute path, then its arguments, separated by blanks (no
  // quoting). A command is allowed when the caller's argv equals one line word for word.
  // An error names the first line that is not such a command.
  [[nodiscard]] static Result<PostAuthPolicy> parse(const std::vector<std::string>& lines);
  // Without the file: posta-imapd, posta-pop3d and posta-managesieved --post-auth in each of
  // bin_dirs (the instance's bin directory), and /bin/true (posta-smtpd's password check).
  static PostAuthPolicy defaults(const std::vector<std::string>& bin_dirs);
  // control/authprograms under home when it exists (an empty file allows nothing), else
  // defaults(bin_dirs).
  [[nodiscard]] static Result<PostAuthPolicy> load(const std::string& home,
                                                   const std::vector<std::string>& bin_dirs);

  [[nodiscard]] bool allows(const std::vector<std::string>& argv) const;
  const std::vector<std::vector<std::string>>& commands() const { return commands_; }

 private:
  std::vector<std::vector<std::string>> commands_;
};

}  // namespace posta::accounts
