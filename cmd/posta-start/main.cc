// posta-start: starts posta-lspawn, posta-rspawn and posta-clean connected by pipes, then
// becomes posta-send (posta-start(8)).
#include <fcntl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include "base/exitcode.h"
#include "control/control.h"
#include "daemon/daemon.h"
#include "io/fd.h"
#include "log/log.h"
#include "proc/child.h"

namespace {

struct Link {
  posta::Pipe req, res;  // send -> helper, helper -> send
};

posta::Status start_helper(const std::string& name, Link& l) {
  auto req = posta::Pipe::make();
  auto res = posta::Pipe::make();
  if (!req || !res) return posta::fail_sys("unable to create pipes");
  l.req = std::move(*req);
  l.res = std::move(*res);
  posta::SpawnOptions opt;
  opt.fds = {{l.req.read.get(), 0}, {l.res.write.get(), 1}};
  auto child = posta::spawn({posta::sibling(name)}, opt);
  if (!child) return std::unexpected(child.error());
  child->release();  // posta-send (this process after exec) is their parent now
  l.req.read.reset();
  l.res.write.reset();
  return {};
}

int run(int ready) {
  std::string home = posta::posta_home();
  if (auto s = posta::become_instance_owner(home); !s) posta::log::fatal(posta::kExitTemporary, s.error().what);
  std::optional<int> nfd = posta::readiness_fd(ready >= 0 ? std::optional<int>(ready) : std::nullopt);
  if (nfd && *nfd < 10) {  // out of the way of fds 3-8
    int high = ::fcntl(*nfd, F_DUPFD_CLOEXEC, 10);
    if (high < 0) posta::log::fatal(posta::kExitTemporary, "unable to move the readiness fd");
    ::close(*nfd);
    nfd = high;
  }
  if (nfd) posta::set_cloexec(*nfd, true);
  // fds 0-2 stay; anything on 3-9 is closed first so that the helpers do not hold it.
  for (int fd = 3; fd < 10; ++fd) ::close(fd);
  Link l[3];
  const char* names[3] = {"posta-lspawn", "posta-rspawn", "posta-clean"};
  for (int i = 0; i < 3; ++i)
    if (auto s = start_helper(names[i], l[i]); !s) posta::log::fatal(posta::kExitTemporary, s.error().what);
  // send's ends: write to helper i on 3+2i, read from it on 4+2i (via high fds: no clobbering).
  std::vector<std::pair<int, int>> moves;
  for (int i = 0; i < 3; ++i) {
    moves.push_back({::fcntl(l[i].req.write.get(), F_DUPFD_CLOEXEC, 20), 3 + 2 * i});
    moves.push_back({::fcntl(l[i].res.read.get(), F_DUPFD_CLOEXEC, 20), 4 + 2 * i});
  }
  for (auto& link : l) {
    link.req.write.reset();
    link.res.read.reset();
  }
  for (auto [from, to] : moves) {
    if (from < 0 || ::dup2(from, to) < 0) posta::log::fatal(posta::kExitTemporary, "unable to set up the pipes");
    ::close(from);
  }
  std::vector<std::string> argv = {posta::sibling("posta-send")};
  if (nfd) {
    posta::set_cloexec(*nfd, false);
    argv.push_back("-d");
    argv.push_back(std::to_string(*nfd));
  }
  posta::exec_argv(argv);
  posta::log::fatal(posta::kExitTemporary, "unable to exec " + argv[0]);
}

}  // namespace

int main(int argc, char** argv) {
  posta::log::set_program("posta-start");
  CLI::App app{"posta-start: starts the queue manager family (see posta-start(8))"};
  int ready = -1;
  app.add_option("-d", ready, "readiness notification fd, passed on to posta-send");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : posta::kExitUsageS6;
  }
  return run(ready);
}
