// posta-remote HOST SENDER RCPT...: see man/posta-remote.8.
#include "base/exitcode.h"
#include "log/log.h"
#include "remote.h"

int main(int argc, char** argv) {
  posta::log::set_program("posta-remote");
  try {
    return posta::remote::run(argc, argv);
  } catch (const std::exception& e) {
    posta::log::fatal(posta::kDeliveryTemporary, e.what());
  }
}
