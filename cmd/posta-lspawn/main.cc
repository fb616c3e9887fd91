// posta-lspawn: runs posta-local for posta-send's local delivery requests (posta-lspawn(8)).
#include "log/log.h"
#include "lspawn.h"
#include "queue/spawn_start.h"
#include "queue/spawner.h"

int main(int argc, char**) {
  posta::log::set_program("posta-lspawn");
  auto started = posta::queue::start_spawn(argc, "posta-lspawn");
  return posta::queue::run_spawner(posta::queue::Spool::from_home(started.home), posta::lspawn::hooks());
}
