// Filter mode: posta-smtpd runs posta-spamcheck as its queue program (control/smtpqueue).
// The message comes on fd 0 and the envelope on fd 1 exactly as posta-queue gets them; the
// message goes on through the injection client with its X-Spam-* fields replaced, or is
// refused with posta-queue's exit 82 protocol (posta-spamcheck(8) "PIPE PROTOCOL").
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>

#include "base/exitcode.h"
#include "control/control.h"
#include "io/fd.h"
#include "log/log.h"
#include "proc/child.h"
#include "proc/privilege.h"
#include "queue/envelope.h"
#include "queue/inject.h"
#include "queue/queued_proto.h"
#include "sender_auth.h"
#include "spam/scanned.h"
#include "spamcheck.h"

namespace posta::spamcheck {
namespace {

constexpr size_t kChunk = 64 << 10;

// The message as read: its first scan_bytes in memory (what the checks see), the rest in an
// unlinked file under $POSTA_HOME/spam/tmp/, so that memory stays bounded whatever the size.
struct Spooled {
  std::string head;
  Fd rest;  // not open when the message fit in head
  unsigned long long size = 0;
};

Result<Fd> unlinked_file(const std::string& home) {
  std::string dir = home + "/spam/tmp";
  // an instance made before the filter existed: its owner makes the directory
  ::mkdir((home + "/spam").c_str(), 0750);
  ::mkdir(dir.c_str(), 0700);
  std::string path = dir + "/msg.XXXXXX";
  int fd = ::mkostemp(path.data(), O_CLOEXEC);
  if (fd < 0) return fail_sys("unable to create a temporary file in " + dir);
  ::unlink(path.c_str());
  return Fd(fd);
}

// Reads fd 0 to its end, feeding all of it to clamd when there is one. A message over
// databytes (0: no limit) is refused as posta-queue would refuse it, before the rest of it is
// written anywhere.
Result<Spooled> read_message(const std::string& home, size_t scan_bytes, long long databytes, std::string& too_big,
                             scan::ClamdScan* clamd) {
  Spooled m;
  std::string chunk(kChunk, '\0');
  for (;;) {
    auto n = read_full(0, chunk.data(), chunk.size());
    if (!n) return std::unexpected(n.error());
    if (*n == 0) break;
    m.size += *n;
    if (databytes > 0 && m.size > static_cast<unsigned long long>(databytes)) {
      too_big = "D5.3.4 Message too big (limit " + std::to_string(databytes) + " bytes)";
      return m;
    }
    std::string_view data(chunk.data(), *n);
    if (clamd) clamd->feed(data);
    if (m.head.size() < scan_bytes) {
      size_t take = std::min(data.size(), scan_bytes - m.head.size());
      m.head.append(data.substr(0, take));
      data.remove_prefix(take);
    }
    if (data.empty()) continue;
    if (!m.rest) {
      auto f = unlinked_file(home);
      if (!f) return std::unexpected(f.error());
      m.rest = std::move(*f);
    }
    if (auto w = write_all(m.rest.get(), data); !w) return std::unexpected(w.error());
  }
  return m;
}

// The envelope up to its final NUL (the writer may keep the pipe open); empty when the
// writer closed without one: it gave the message up.
Result<std::string> read_envelope() {
  std::string data;
  char chunk[8192];
  while (queue::injected_length(data) == 0) {
    ssize_t r = ::read(1, chunk, sizeof chunk);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return fail_sys("unable to read the envelope");
    if (r == 0 && data.empty()) return data;
    if (r == 0) return fail("envelope ends before its final NUL", kQueueEnvelopeFormat);
    data.append(chunk, static_cast<size_t>(r));
    if (data.size() > queue::kMaxEnvelope) return fail("envelope too large", kQueueEnvelopeFormat);
  }
  return data;
}

// posta-queue's refusal protocol: the text on fd 6, exit 82.
int refuse(const std::string& text) {
  if (::fcntl(6, F_GETFD) >= 0) (void)write_all(6, text);
  return kQueueCustomMessage;
}

void report_id(const std::string& id) {
  const char* v = std::getenv("POSTA_QUEUE_IDFD");
  std::string_view s = v ? v : "";
  int fd = -1;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), fd);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size() || fd < 3 || ::fcntl(fd, F_GETFD) < 0) return;
  (void)write_all(fd, id + "\n");
}

// What posta-smtpd told us about the session, for the queue: the names posta-queue reads.
// POSTA_ORIGIN=local only says that the mail is trusted here; posta-queue would refuse it.
std::vector<std::string> queue_env() {
  std::vector<std::string> env;
  for (std::string_view name : queue::kQueuedNames) {
    if (name == "TCPREMOTEIP") continue;  // the injection client passes it on itself
    const char* v = std::getenv(std::string(name).c_str());
    if (!v || (name == "POSTA_ORIGIN" && std::string_view(v) == "local")) continue;
    env.push_back(std::string(name) + "=" + v);
  }
  return env;
}

bool trusted_sender(bool caller_speaks) {
  const char* auth = std::getenv("POSTA_AUTH_USER");
  const char* origin = std::getenv("POSTA_ORIGIN");
  bool claims = (auth && *auth) || (origin && std::string_view(origin) == "local");
  return claims && caller_speaks;
}

std::string tests_of(const spam::Analysis& a) {
  std::string t;
  for (auto& c : a.fired) t += (t.empty() ? "" : ",") + c.name;
  return t.empty() ? "-" : t;
}

// While it lives, the effective uid is the real one (the caller's, posta-d, in a set-user-id
// copy): the queue then learns who injects from the same uid as when posta-smtpd injects
// itself, posta-queued through SO_PEERCRED and the set-uid posta-queue through its real uid.
// The saved set-user-id keeps the way back to posta-c.
class AsCaller {
 public:
  AsCaller() : own_(::geteuid()), active_(own_ != ::getuid() && ::seteuid(::getuid()) == 0) {}
  ~AsCaller() {
    if (active_ && ::seteuid(own_) != 0) ::_exit(kQueueInternalBug);
  }
  AsCaller(const AsCaller&) = delete;
  AsCaller& operator=(const AsCaller&) = delete;

 private:
  uid_t own_;
  bool active_;
};

Result<std::unique_ptr<queue::Injector>> open_queue() {
  AsCaller as_caller;
  return queue::Injector::open({sibling("posta-queue"), queue_env(), true});
}

// Hands the rewritten message to the queue; the queue id, or its refusal as exit 82 text.
// top: fields for the top of the header (Authentication-Results, Received-SPF); fields: the
// X-Spam-* fields for its end.
queue::Injected pass_on(const std::string& home, const Spooled& m, const std::string& top, const std::string& fields,
                        const queue::Envelope& env) {
  auto job = open_queue();
  if (!job) {
    log::warning(job.error().what);
    return std::unexpected(queue::queue_trouble("Unable to run the queue, please try again later"));
  }
  std::string_view head = m.head;
  size_t hlen = std::min(spam::header_block_length(head), head.size());
  (*job)->write(top);
  (*job)->write(spam::rewrite_header_block(strip_our_authres(home, head.substr(0, hlen)), fields));
  (*job)->write(head.substr(hlen));
  if (m.rest) {
    std::string chunk(kChunk, '\0');
    if (::lseek(m.rest.get(), 0, SEEK_SET) != 0) {
      (*job)->abort();
      return std::unexpected(queue::queue_trouble("Unable to read the spooled message, please try again later"));
    }
    for (;;) {
      auto n = read_full(m.rest.get(), chunk.data(), chunk.size());
      if (!n) {
        (*job)->abort();
        return std::unexpected(queue::queue_trouble("Unable to read the spooled message, please try again later"));
      }
      if (*n == 0) break;
      (*job)->write(std::string_view(chunk.data(), *n));
    }
  }
  return (*job)->close(env);
}

}  // namespace

int filter(const std::string& home, Checks& checks, bool caller_speaks) {
  Control ctl(home);
  if (!checks.trouble.empty()) log::warning(checks.trouble);
  std::string too_big;
  std::optional<scan::ClamdScan> clamd;
  if (checks.clamd) clamd.emplace(scan::ClamdScan::open(*checks.clamd));
  auto m = read_message(home, checks.policy.scan_bytes, ctl.number("databytes", 0), too_big, clamd ? &*clamd : nullptr);
  if (!m) {
    log::warning(m.error().what);
    return refuse("Z4.3.0 Unable to read the message, please try again later");
  }
  if (!too_big.empty()) {
    log::info("message refused: ", too_big.substr(7));
    return refuse(too_big);
  }
  auto envtext = read_envelope();
  if (!envtext) {
    log::warning(envtext.error().what);
    return envtext.error().code == kQueueEnvelopeFormat ? kQueueEnvelopeFormat : kQueueCannotReadInput;
  }
  if (envtext->empty()) {
    log::info("no envelope: the message was given up, nothing queued");
    return kQueueEnvelopeFormat;
  }
  auto env = queue::parse_injected(*envtext);
  if (!env) {
    log::warning("bad envelope: ", env.error().what);
    return env.error().code == queue::kEnvelopeTooLong ? kQueueAddressTooLong : kQueueEnvelopeFormat;
  }
  if (env->recipients.size() == 1) use_recipient_store(checks, home, env->recipients[0].address);
  bool trusted = trusted_sender(caller_speaks);
  size_t hlen = spam::header_block_length(m->head);
  spam::Analysis a;
  spam::RuleStats stats;
  if (hlen == std::string::npos && m->rest) {
    a.hard = spam::Analysis::Hard::kPolicy;
    a.hard_text = "header longer than " + std::to_string(checks.policy.scan_bytes) + " bytes";
  } else {
    a = analyze(checks, m->head, &stats, static_cast<bool>(m->rest));
  }
  std::string virus_log;
  if (clamd) {
    auto r = clamd->finish();
    spam::add_virus_result(r, a);
    virus_log = r.kind == scan::ClamdResult::Kind::virus ? " virus=" + log::printable(r.detail)
                : r.kind == scan::ClamdResult::Kind::clean ? (r.truncated() ? " clamd=\"" + scan::describe(r) + "\"" : "")
                : " clamd_trouble=\"" + log::printable(scan::describe(r)) + "\"";
  }
  SenderAuth sender = trusted ? SenderAuth{} : check_sender_auth(home, m->head, !m->rest);
  if (sender.quarantine) {
    a.fired.push_back({"DMARC_QUARANTINE", 0, "the DMARC policy of the From domain asks for quarantine"});
    a.quarantine = true;
  }
  auto d = spam::decide(a, checks.policy, trusted);
  if (d.refusal.empty() && !sender.refusal.empty()) d.refusal = sender.refusal;
  std::string what = log::cat("verdict=", spam::verdict_name(d.verdict), " score=", spam::format_score(a.score()), " tests=", tests_of(a), " from=<", log::printable(env->sender), "> nrcpt=",
                              env->recipients.size(), " size=", m->size, m->rest ? " scanned=" + std::to_string(m->head.size()) : "",
                              stats.limit_hits ? " limit_hits=" + std::to_string(stats.limit_hits) : "",
                              trusted ? " trusted=1" : "", sender.checked ? " " + sender.log : "", virus_log,
                              a.hard_text.empty() ? "" : " reason=\"" + log::printable(a.hard_text) + "\"");
  if (!d.refusal.empty()) {
    log::info("refused ", what, " reply=\"", d.refusal.substr(1), "\"");
    return refuse(d.refusal);
  }
  auto q = pass_on(home, *m, sender.fields, spam::spam_header_fields(a, checks.policy, d), *env);
  if (!q) {
    log::warning("queue refused ", what, " reply=\"", q.error().line(), "\"");
    return refuse((q.error().permanent ? "D" : "Z") + q.error().line());
  }
  report_id(*q);
  log::info("passed id=", q->empty() ? "-" : *q, " ", what);
  return kQueueOk;
}

int run_filter() {
  ::signal(SIGPIPE, SIG_IGN);
  ::umask(077);
  // a set-user-id copy (system mode): the instance is the one the binary belongs to. The
  // real uid stays the caller's: posta-queue decides what it trusts by it.
  auto settled = settle_setuid_instance();
  if (!settled) {
    log::warning(settled.error().what);
    return refuse("Z4.3.0 Content filter trouble, please try again later");
  }
  std::string home = posta_home();
  if (auto s = become_instance_owner(home); !s) {
    log::warning(s.error().what);
    return refuse("Z4.3.0 Content filter trouble, please try again later");
  }
  Checks checks = load_checks(home);
  return filter(home, checks, caller_speaks_for_network());
}

}  // namespace posta::spamcheck
