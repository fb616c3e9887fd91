// posta-sieve-test: runs a Sieve script against a message and prints the actions posta-local
// would perform, in the layout of Pigeonhole's sieve-test (posta-sieve-test(1)).
#include <CLI/CLI.hpp>
#include <iostream>

#include "io/fd.h"
#include "sieve/sieve.h"

int main(int argc, char** argv) {
  CLI::App app{"posta-sieve-test: the actions of a Sieve script for one message (see posta-sieve-test(1))"};
  std::string script_path, message_path, sender = "sender@example.org", recipient = "recipient@example.org", orig;
  bool check_only = false;
  app.add_option("script", script_path, "Sieve script file")->required();
  app.add_option("message", message_path, "message file (RFC 5322)");
  app.add_option("-f,--from", sender, "envelope sender (\"\" for the null sender)");
  app.add_option("-r,--recipient", recipient, "envelope recipient");
  app.add_option("-a,--orig-recipient", orig, "original envelope recipient");
  app.add_flag("-c,--check", check_only, "only compile the script");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 100;
  }
  auto text = posta::read_file(script_path, 1 << 20);
  if (!text) {
    std::cerr << "posta-sieve-test: fatal: unable to read " << script_path << ": " << text.error().what << "\n";
    return 111;
  }
  auto script = posta::sieve::compile(*text);
  if (!script) {
    std::cout << "compile error: " << script.error().what << "\n";
    return 1;
  }
  if (check_only) return 0;
  if (message_path.empty()) {
    std::cerr << "posta-sieve-test: fatal: no message given\n";
    return 100;
  }
  auto raw = posta::read_file(message_path, 64 << 20);
  if (!raw) {
    std::cerr << "posta-sieve-test: fatal: unable to read " << message_path << ": " << raw.error().what << "\n";
    return 111;
  }
  posta::sieve::Message msg;
  msg.raw = *raw;
  msg.envelope_from = sender;
  msg.envelope_to = recipient;
  msg.envelope_orig_to = orig;
  auto out = posta::sieve::run(*script, msg);
  if (!out) {
    std::cout << "run-time error: " << out.error().what << "\n";
    return 2;
  }
  std::cout << posta::sieve::format_outcome(*out);
  return 0;
}
