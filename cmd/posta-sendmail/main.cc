// posta-sendmail: sendmail-compatible injection (posta-sendmail(1)).
#include <iostream>

#include "log/log.h"
#include "sendmail.h"

int main(int argc, char** argv) {
  posta::log::set_program("posta-sendmail");
  auto o = posta::sendmail::parse_args(argc, argv);
  if (!o) {
    std::cerr << "posta-sendmail: usage: " << o.error().what
              << "\nusage: posta-sendmail [-t] [-i|-oi] [-f sender] [-F name] [recipient ...] | -bs | -bp | -q\n";
    return 64;  // EX_USAGE
  }
  return posta::sendmail::run(*o);
}
