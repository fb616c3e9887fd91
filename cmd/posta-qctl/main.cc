// posta-qctl: acts on the queue through posta-send's control socket (posta-qctl(8)).
#include <sys/socket.h>
#include <sys/un.h>

#include <CLI/CLI.hpp>
#include <cstring>
#include <iostream>

#include "base/exitcode.h"
#include "control/control.h"
#include "io/fd.h"
#include "io/line_reader.h"
#include "log/log.h"
#include "queue/control_proto.h"
#include "queue/spool.h"

namespace {

int ask(const std::string& request) {
  auto spool = posta::queue::Spool::from_home(posta::posta_home());
  std::string path = spool.control_socket();
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  if (path.size() >= sizeof sa.sun_path) posta::log::fatal(posta::kExitTemporary, "socket path too long");
  std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
  posta::Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd || ::connect(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0)
    posta::log::fatal(posta::kExitTemporary, posta::sys_error("unable to reach posta-send at " + path).what);
  if (auto w = posta::write_all(fd.get(), request); !w) posta::log::fatal(posta::kExitTemporary, w.error().what);
  posta::LineReader r(fd.get(), 4096, std::chrono::seconds(60));
  auto line = r.read_line();
  if (line.status != posta::Line::Status::kOk) posta::log::fatal(posta::kExitTemporary, "no answer from posta-send");
  if (line.text.starts_with("ok")) {
    std::cout << line.text.substr(line.text.size() > 3 ? 3 : line.text.size()) << "\n";
    return 0;
  }
  std::cerr << "posta-qctl: " << line.text.substr(line.text.starts_with("error ") ? 6 : 0) << "\n";
  return posta::kExitNotFound;
}

}  // namespace

int main(int argc, char** argv) {
  posta::log::set_program("posta-qctl");
  CLI::App app{"posta-qctl: act on the queue through posta-send (see posta-qctl(8))"};
  app.require_subcommand(1);
  std::string id;
  app.add_subcommand("flush", "every deferred recipient is tried now");
  for (auto [name, help] : {std::pair{"retry", "try the deferred recipients of ID now"},
                            std::pair{"delete", "remove ID without notice"},
                            std::pair{"hold", "stop delivering ID until released"},
                            std::pair{"release", "undo hold"},
                            std::pair{"bounce", "fail every pending recipient of ID now (DSN to the sender)"}}) {
    app.add_subcommand(name, help)->add_option("ID", id, "queue id (see posta-mailq)")->required();
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : posta::kExitUsage;
  }
  std::string cmd = app.get_subcommands().front()->get_name();
  auto req = posta::queue::parse_control(cmd + (id.empty() ? "" : " " + id));
  if (!req) {
    std::cerr << "posta-qctl: " << req.error().what << "\n";
    return posta::kExitUsage;
  }
  return ask(posta::queue::encode_control(*req));
}
