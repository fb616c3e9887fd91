// posta-spamcheck: without arguments the content filter posta-smtpd runs as its queue
// program; `serve` is the same filter resident; `check FILE...` explains a verdict; `learn`, `unlearn` and `expire` keep the
// classifier's token store (posta-spamcheck(8)).
#include <cstdlib>

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
  bool json = false, trusted = false, verbose = false;
  auto* check = tool.app.add_subcommand("check", "print the verdict, score and every contribution of each FILE");
  check->add_option("FILE", files, "a message (LF or CRLF line ends)")->required();
  check->add_flag("--json", json, "one JSON array of objects");
  check->add_flag("--trusted", trusted, "as authenticated or local mail (never refused as spam)");
  check->add_flag("-v,--verbose", verbose, "also the classifier's most significant tokens");
  check->callback([&] {
    tool.action = [&] { return posta::spamcheck::run_check(home.empty() ? posta::posta_home() : home, files, json, trusted, verbose); };
  });

  posta::spamcheck::ServeOptions so;
  int notify_fd = -1;
  auto* serve = tool.app.add_subcommand("serve", "the resident filter: take messages from posta-smtpd on a socket");
  serve->add_option("-D", so.socket, "the socket (run/spamcheck.sock)")->required();
  serve->add_option("-G", so.group, "the group that may connect besides root and ourselves");
  serve->add_option("-d", notify_fd, "s6 readiness fd")->check(CLI::Range(3, 1023));
  serve->add_option("-c", so.jobs, "messages at once (default 100)")->check(CLI::Range(1, 10000));
  serve->add_option("-t", so.timeout, "seconds for a frame to arrive (default 5)")->check(CLI::Range(1, 3600));
  serve->callback([&] {
    if (notify_fd >= 0) so.notify_fd = notify_fd;
    tool.action = [&] {
      if (!home.empty()) ::setenv("POSTA_HOME", home.c_str(), 1);
      return posta::spamcheck::run_serve(so);
    };
  });

  posta::spamcheck::LearnArgs la;
  auto run_learn = [&] {
    tool.action = [&] {
      la.home = home;
      return posta::spamcheck::run_learn(la);
    };
  };
  auto* learn = tool.app.add_subcommand("learn", "learn messages as spam or ham, or apply the learning requests");
  auto* spam = learn->add_flag("--spam", la.spam, "learn as spam");
  auto* ham = learn->add_flag("--ham", la.ham, "learn as ham");
  spam->excludes(ham);
  auto* user = learn->add_option("--user", la.user, "into this user's store instead of the global one");
  auto* paths = learn->add_option("PATH", la.paths, "a message file, an mbox file or a Maildir");
  auto* requests = learn->add_flag("--requests", la.requests, "apply the requests in spam/learn/ (IMAP moves)");
  learn->add_flag("--loop", la.loop, "with --requests: every control/spamlearninterval seconds until SIGTERM")->needs(requests);
  requests->excludes(spam)->excludes(ham)->excludes(user)->excludes(paths);
  learn->callback([&] {
    if (!la.requests && (la.spam == la.ham || la.paths.empty()))
      throw CLI::ValidationError("learn", "give --spam or --ham and at least one PATH, or --requests");
    run_learn();
  });
  auto* unlearn = tool.app.add_subcommand("unlearn", "take learned messages out of the store");
  unlearn->add_option("--user", la.user, "from this user's store instead of the global one");
  unlearn->add_option("PATH", la.paths, "a message file, an mbox file or a Maildir")->required();
  unlearn->callback(run_learn);
  auto* expire = tool.app.add_subcommand("expire", "drop rare tokens and records of messages not learned for a while");
  expire->add_option("--user", la.user, "this user's store instead of the global one");
  expire->add_option("--min-count", la.min_count, "tokens held by fewer learned messages are dropped (default 2)");
  expire->add_option("--max-idle-days", la.max_idle_days, "when not learned for more days (default 90)");
  expire->callback([&] {
    la.expire = true;
    run_learn();
  });
  return tool.run(argc, argv);
}
