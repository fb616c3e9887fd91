// posta-imapd: IMAP4rev1 server on fd 0/1. See posta-imapd(8).
#include <CLI/CLI.hpp>

#include <algorithm>

#include "base/exitcode.h"
#include "control/control.h"
#include "daemon/daemon.h"
#include "imapd_session.h"
#include "log/log.h"

int main(int argc, char** argv) {
  posta::log::set_program("posta-imapd");
  CLI::App app{"IMAP4rev1 server on fd 0/1"};
  bool post_auth = false;
  app.add_flag("--post-auth", post_auth, "serve an authenticated session (run by posta-auth)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : posta::kExitUsageS6;
  }
  posta::ignore_sigpipe();
  try {
    posta::Control control;
    posta::imapd::Config cfg;
    cfg.max_message = static_cast<size_t>(control.number("imapmaxmessage", 64ll << 20));
    cfg.preauth_timeout = static_cast<int>(control.number("imappreauthtimeout", 120));
    cfg.idle_timeout = static_cast<int>(control.number("imaptimeout", 1800));
    cfg.write_timeout = static_cast<int>(std::max(1LL, control.number("timeoutwrite", 300)));
    cfg.session_limit = static_cast<int>(std::max(0LL, control.number("sessionlimitimapd", 14400)));
    cfg.plaintext_ok = control.flag("authplaintext", false);
    cfg.hibernate_timeout = static_cast<int>(std::max(0LL, control.number("imaphibernatetimeout", 30)));
    posta::imapd::Session session(cfg, post_auth);
    return session.run();
  } catch (const std::exception& e) {
    posta::log::fatal(posta::kExitTemporary, std::string("internal error: ") + e.what());
  }
}
