// posta-auth PROGRAM [ARG...]: checkpassword interface. See man/posta-auth.8.
#include <exception>
#include <string>
#include <vector>

#include "auth.h"
#include "base/exitcode.h"
#include "log/log.h"
#include "proc/privilege.h"

int main(int argc, char** argv) {
  posta::log::set_program("posta-auth");
  // The setuid copy of a system instance: the home comes from where the binary is, never
  // from the caller's environment (INTERNALS.md "## System mode").
  if (auto h = posta::settle_setuid_instance(); !h) posta::log::fatal(posta::kExitTemporary, h.error().what);
  if (argc < 2) posta::log::fatal(posta::kExitUsageS6, "usage: posta-auth PROGRAM [ARG...]");
  try {
    return posta::auth::run(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const std::exception& e) {
    posta::log::fatal(posta::kExitTemporary, std::string("internal error: ") + e.what());
  }
}
