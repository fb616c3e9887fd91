// posta-managesieved: ManageSieve server on fd 0/1. See posta-managesieved(8).
#include "daemon/split_main.h"
#include "managesieve.h"

int main(int argc, char** argv) {
  return posta::split_server_main(argc, argv, "posta-managesieved",
                                  "ManageSieve server on fd 0/1 (under posta-tcpd, optionally behind posta-tlsd)",
                                  posta::managesieved::run_preauth, posta::managesieved::run_postauth);
}
