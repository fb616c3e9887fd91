// qmail-style control files: one setting per file under $POSTA_HOME/control.
// Blank lines and lines starting with '#' are ignored; surrounding spaces are trimmed.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "base/strings.h"  // trim, lower, split: control files' callers use them with it

namespace posta {

// $POSTA_HOME, else /var/posta.
std::string posta_home();

class Control {
 public:
  explicit Control(std::string home = posta_home()) : dir_(std::move(home) + "/control") {}

  // Every meaningful line of the file; empty when the file does not exist.
  std::vector<std::string> lines(const std::string& name) const;
  // The first meaningful line, or def.
  std::string string(const std::string& name, const std::string& def = "") const;
  // The first line as a number; def when missing; def (and a warning) when malformed.
  long long number(const std::string& name, long long def) const;
  // "yes"/"1"/"on"/"true" (any case) is true; missing gives def.
  bool flag(const std::string& name, bool def) const;
  bool exists(const std::string& name) const;
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
};

}  // namespace posta
