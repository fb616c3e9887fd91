// Instance templates: the placeholders posta-setup replaces in etc/service and etc/control.
#pragma once
#include <map>
#include <string>
#include <string_view>

#include "base/error.h"

namespace posta {

// Values for @NAME@ placeholders; @PORT:N@ is computed from the port base.
struct TemplateVars {
  std::map<std::string, std::string> values;  // "BIN" -> "/usr/local/bin", ...
  long port_base = 10000;
};

// Replaces every @NAME@ known in vars and every @PORT:N@ (base + N). An unknown
// @NAME@ is an error, so that a typo in a template never reaches a run script.
// A lone '@' (e.g. in an address) that does not start a placeholder is kept.
[[nodiscard]] Result<std::string> expand_template(std::string_view text, const TemplateVars& vars);

// Where the etc/ defaults are: $POSTA_ETC, else BINDIR/../share/posta/etc (installed),
// else BINDIR/../../etc (build tree). Empty when none has a service/ or control/ directory.
std::string find_etc_dir(const std::string& bindir);

}  // namespace posta
