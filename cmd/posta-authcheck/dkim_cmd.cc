// posta-authcheck dkim FILE: every DKIM signature of the message verified against the DNS.
#include <iostream>

#include "admin/output.h"
#include "admin/tool.h"
#include "authcheck.h"
#include "base/exitcode.h"
#include "dkim/dns_keys.h"
#include "log/log.h"

namespace posta::authcheck {
namespace {

// "dkim=pass d=example.org s=sel a=rsa-sha256 c=relaxed/relaxed (why)"
std::string verdict_line(const dkim::Verdict& v) {
  std::string out = std::string("dkim=") + dkim::result_name(v.result);
  if (!v.domain.empty()) out += " d=" + v.domain;
  if (!v.selector.empty()) out += " s=" + v.selector;
  if (!v.algorithm.empty()) out += " a=" + v.algorithm;
  if (!v.canonicalization.empty()) out += " c=" + v.canonicalization;
  if (v.testing) out += " testing";
  if (!v.reason.empty()) out += " (" + v.reason + ")";
  return out;
}

// 0 every signature passed; 1 no signature, or one did not pass; 111 a key lookup failed
// (and nothing else did), or trouble.
int run_dkim(const std::string& home, const std::string& file) {
  auto msg = read_message(file);
  if (!msg) log::fatal(kExitTemporary, "unable to read " + file + ": " + msg.error().what);
  auto resolver = instance_resolver(home);
  if (!resolver) log::fatal(kExitTemporary, resolver.error().what);
  auto verdicts = dkim::verify(*msg, dkim::dns_key_fetcher(*resolver, *msg));
  if (verdicts.empty()) std::cout << "dkim=none (no DKIM-Signature)\n";
  bool all_pass = !verdicts.empty(), temp = false;
  for (auto& v : verdicts) {
    std::cout << verdict_line(v) << "\n";
    temp |= v.result == dkim::Verdict::Result::kTempError;
    all_pass &= v.result == dkim::Verdict::Result::kPass;
  }
  if (int r = admin::flush_stdout(); r != kExitOk) return r;
  if (all_pass) return kExitOk;
  bool others_pass = !verdicts.empty();
  for (auto& v : verdicts)
    others_pass &= v.result == dkim::Verdict::Result::kPass || v.result == dkim::Verdict::Result::kTempError;
  return temp && others_pass ? kExitTemporary : kExitNotFound;
}

}  // namespace

void add_dkim_command(CLI::App& app, const std::string& home, Action& action) {
  auto file = std::make_shared<std::string>();
  auto* c = app.add_subcommand("dkim", "verify every DKIM signature of a message (keys from control/resolvers)");
  c->add_option("FILE", *file, "the message (\"-\": standard input)")->required();
  c->callback([&home, file, &action] { action = [&home, file] { return run_dkim(home, *file); }; });
}

}  // namespace posta::authcheck
