// posta-spamcheck: without arguments the content filter posta-smtpd runs as its queue
// program; `check FILE...` explains a verdict (posta-spamcheck(8)).
#include "admin/tool_app.h"
#include "control/control.h"
#include "log/log.h"
#include "spamcheck.h"

int main(int argc, char** argv) {
  if (argc == 1) {
    posta::log::set_program("posta-spamcheck");
    return posta::spamcheck::run_filter();
  }
  std::string home;
  posta::admin::ToolApp tool("posta-spamcheck", "posta-spamcheck: content filter (see posta-spamcheck(8))", home);
  std::vector<std::string> files;
  bool json = false, trusted = false;
  auto* check = tool.app.add_subcommand("check", "print the verdict, score and every contribution of each FILE");
  check->add_option("FILE", files, "a message (LF or CRLF line ends)")->required();
  check->add_flag("--json", json, "one JSON array of objects");
  check->add_flag("--trusted", trusted, "as authenticated or local mail (never refused as spam)");
  check->callback([&] {
    tool.action = [&] { return posta::spamcheck::run_check(home.empty() ? posta::posta_home() : home, files, json, trusted); };
  });
  return tool.run(argc, argv);
}
