// posta-local SENDER RECIPIENT: local delivery agent (see man/posta-local.8).
#include <iostream>

#include "base/exitcode.h"
#include "local.h"
#include "log/log.h"

int main(int argc, char** argv) {
  posta::log::set_program("posta-local");
  posta::local::Delivery out;
  if (argc != 3) {
    out = posta::local::permanent("usage: posta-local SENDER RECIPIENT");
  } else {
    try {
      out = posta::local::run(argv[1], argv[2]);
    } catch (const std::exception& e) {
      out = posta::local::temporary(std::string("internal error: ") + e.what());
    } catch (...) {
      out = posta::local::temporary("internal error");
    }
  }
  std::cout << posta::log::printable(posta::local::reason(out), 400) << "\n" << std::flush;
  return posta::local::exit_code(out);
}
