// Reads arguments, the message and the control files, signs, delivers, reports.
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "base/exitcode.h"
#include "daemon/daemon.h"
#include "io/fd.h"
#include "log/log.h"
#include "proc/privilege.h"
#include "remote.h"

namespace posta::remote {
namespace {

std::string hostname_or(const std::string& def) {
  char buf[256] = {0};
  if (::gethostname(buf, sizeof buf - 1) == 0 && buf[0]) return buf;
  return def;
}

int report_and_exit(const Report& r) {
  auto w = write_all(1, encode_report(r));
  return w ? int{kExitOk} : int{kDeliveryTemporary};
}

}  // namespace

Config load_config(const Control& c, const std::string& home) {
  Config cfg;
  cfg.home = home;
  cfg.helo = c.string("helohost", c.string("me", hostname_or("localhost")));
  cfg.smtproutes = c.lines("smtproutes");
  cfg.routes_auth = c.lines("smtproutes-auth");
  cfg.tlspolicy = c.lines("tlspolicy");
  if (c.exists("tlsca")) cfg.tlsca = c.dir() + "/tlsca";
  cfg.port = static_cast<int>(c.number("smtpport", 25));
  if (cfg.port <= 0 || cfg.port > 65535) cfg.port = 25;
  cfg.hostcache_ttl = c.number("hostcachetime", 120);
  cfg.per_host = static_cast<int>(std::clamp(c.number("concurrencyperhost", 10), 0LL, 1000LL));
  cfg.ipv6 = c.flag("ipv6", true);
  long long connect = c.number("timeoutconnect", 60);
  if (connect > 0) cfg.timeouts.connect = std::chrono::seconds(connect);
  long long remote = c.number("timeoutremote", 0);
  if (remote > 0) cfg.timeouts.set_all(std::chrono::seconds(remote));
  return cfg;
}

std::string encode_report(const Report& r) {
  std::string out;
  for (auto& x : r.rcpts) {
    out.push_back(x.code);
    out += log::printable(x.text, 1000);
    out.push_back('\0');
  }
  out.push_back(r.final_code);
  out += log::printable(r.final_text, 1000);
  out.push_back('\0');
  return out;
}

Report all_failed(size_t n, char code, const std::string& text) {
  Report r;
  r.rcpts.assign(n, smtpc::RcptResult{code == 'D' ? 'h' : 's', text});
  r.final_code = code;
  r.final_text = text;
  return r;
}

Report deliver_job(const std::string& home, Job& job, KeptConnection* kept) {
  Control control(home);
  Config cfg = load_config(control, home);
  if (auto st = dkim_sign(cfg, job); !st) {
    log::error("delivery to domain ", job.domain, ": DKIM: ", st.error().what);
    return all_failed(job.rcpts.size(), 'Z', "DKIM signing failed: " + st.error().what);
  }
  return deliver(cfg, job, kept);
}

int run(int argc, char** argv) {
  if (argc == 2 && std::string(argv[1]) == "-w") return run_worker();
  if (argc < 4) {
    log::error("usage: posta-remote HOST SENDER RCPT... | posta-remote -w");
    return kDeliveryTemporary;
  }
  std::string home = posta_home();
  if (auto st = become_instance_owner(home); !st) {
    log::error("unable to switch to the instance owner: ", st.error().what);
    return kDeliveryTemporary;
  }
  ignore_sigpipe();
  Job job;
  job.domain = lower(argv[1]);
  job.sender = argv[2];
  for (int i = 3; i < argc; ++i) job.rcpts.push_back(argv[i]);
  const char* utf8 = std::getenv("POSTA_SMTPUTF8");
  const char* body = std::getenv("POSTA_BODY");
  job.smtputf8 = utf8 && std::string(utf8) == "1";
  job.body_8bitmime = body && std::string(body) == "8BITMIME";
  if (const char* origin = std::getenv("POSTA_MESSAGE_ORIGIN")) job.origin = origin;
  auto raw = read_all(0, 512 << 20);
  if (!raw) return report_and_exit(all_failed(job.rcpts.size(), 'Z', "unable to read the message: " + raw.error().what));
  job.message = smtpc::to_crlf(*raw);
  raw->clear();
  raw->shrink_to_fit();
  return report_and_exit(deliver_job(home, job, nullptr));
}

}  // namespace posta::remote
