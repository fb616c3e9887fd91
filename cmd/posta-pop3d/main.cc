#include "daemon/split_main.h"
#include "pop3.h"

int main(int argc, char** argv) {
  return posta::split_server_main(argc, argv, "posta-pop3d",
                                  "POP3 server on fd 0/1 (under posta-tcpd, optionally behind posta-tlsd)",
                                  posta::pop3::run_preauth, posta::pop3::run_postauth);
}
