// `posta-spamcheck learn|unlearn|expire`: the learner, the only process that joins the token
// store's environment spam/db/; after each change it publishes spam/tokens.db for the filter
// (posta-spamcheck(8) "LEARNING").
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <iostream>

#include "admin/output.h"
#include "base/exitcode.h"
#include "control/control.h"
#include "log/log.h"
#include "proc/privilege.h"
#include "spam/learn_queue.h"
#include "spam/learn_requests.h"
#include "spamcheck.h"

namespace posta::spamcheck {
namespace {


// As the filter: a set-user-id copy settles on its own instance; root becomes posta-c in a
// system-mode instance (the owner of spam/), the instance owner in a rootless one.
Result<std::string> become_learner(const std::string& home_opt) {
  POSTA_TRY(auto settled, settle_setuid_instance());
  std::string home = settled ? *settled : home_opt.empty() ? posta_home() : home_opt;
  // root running the set-user-id copy (the spamlearn service runs bin/posta-spamcheck): root
  // again first, so that it becomes posta-c with the group posta, through which it reads the
  // requests posta-imapd leaves, rather than posta-c with root's groups
  if (::getuid() == 0 && ::geteuid() != 0 && ::seteuid(0) != 0) return fail_sys("unable to become root again");
  if (::geteuid() == 0 && system_mode(home)) {
    if (auto s = drop_to(kContentUser, kDbGroup); !s) return std::unexpected(s.error());
  } else if (auto s = become_instance_owner(home); !s) {
    return std::unexpected(s.error());
  }
  return home;
}

Status publish(spam::TokenStore& store, const std::string& home, const std::string& user) {
  POSTA_TRY(std::string path, spam::published_path(home, user));
  return store.publish(path);
}

Result<std::unique_ptr<spam::TokenStore>> open_store(const std::string& home, const std::string& user) {
  POSTA_TRY(std::string dir, spam::store_dir(home, user));
  return spam::TokenStore::open(dir, true);
}

void print_counts(const spam::LearnCounts& c, bool unlearn) {
  if (unlearn)
    std::cout << "unlearned " << c.unlearned << ", not learned " << c.not_learned;
  else
    std::cout << "learned " << c.learned << ", moved " << c.moved << ", already " << c.already;
  if (c.vanished) std::cout << ", vanished " << c.vanished;
  std::cout << "\n";
}

// One round of requests: the store is opened only when there is work and closed after it,
// so no environment is held between rounds.
Result<spam::RequestCounts> request_round(const std::string& home) {
  spam::RequestOptions o;
  o.enabled = Control(home).flag("spamlearn", true);
  if (auto stale = spam::remove_stale_requests(home, std::time(nullptr)); !stale)
    log::warning(stale.error().what);
  else if (*stale)
    log::info("removed ", *stale, " unfinished learning requests from ", spam::learn_queue_dir(home), "/tmp");
  POSTA_TRY(auto pending, spam::pending_requests(home, 1));
  if (pending.empty()) return spam::RequestCounts{};
  POSTA_TRY(auto store, open_store(home, ""));
  POSTA_TRY(auto counts, spam::apply_requests(*store, home, o));
  if (counts.changed())
    if (auto s = publish(*store, home, ""); !s) return std::unexpected(s.error());
  return counts;
}

std::string round_text(const spam::RequestCounts& c) {
  return log::cat("learned ", c.learned.learned, ", moved ", c.learned.moved, ", already ", c.learned.already,
                  ", vanished ", c.learned.vanished, ", dropped ", c.dropped, ", failed ", c.failed);
}

// Rounds every control/spamlearninterval seconds until SIGTERM or SIGINT, which end it
// between rounds: a round in progress finishes its transaction.
int request_loop(const std::string& home) {
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  sigprocmask(SIG_BLOCK, &stop, nullptr);
  log::info("learning requests from ", spam::learn_queue_dir(home));
  for (;;) {
    auto c = request_round(home);
    if (!c) log::warning(c.error().what);
    else if (c->learned.learned + c->learned.moved + c->learned.already + c->learned.vanished + c->dropped + c->failed)
      log::info(round_text(*c));
    long long interval = std::clamp(Control(home).number("spamlearninterval", 60), 1LL, 86400LL);
    timespec wait{static_cast<time_t>(interval), 0};
    int sig = sigtimedwait(&stop, nullptr, &wait);
    if (sig == SIGTERM || sig == SIGINT) {
      log::info("stopping");
      return kExitOk;
    }
  }
}

}  // namespace

int run_learn(const LearnArgs& a) {
  auto home = become_learner(a.home);
  if (!home) log::fatal(kExitTemporary, home.error().what);
  if (a.requests) {
    if (a.loop) return request_loop(*home);
    auto c = request_round(*home);
    if (!c) log::fatal(kExitTemporary, c.error().what);
    std::cout << round_text(*c) << "\n";
    return admin::flush_stdout();
  }
  auto store = open_store(*home, a.user);
  if (!store) log::fatal(kExitTemporary, store.error().what);
  if (a.expire) {
    auto e = (*store)->expire(a.min_count, a.max_idle_days, spam::today());
    if (!e) log::fatal(kExitTemporary, e.error().what);
    if (auto s = publish(**store, *home, a.user); !s) log::fatal(kExitTemporary, s.error().what);
    std::cout << "tokens kept " << e->kept << ", dropped " << e->dropped << "; messages kept " << e->records_kept
              << ", dropped " << e->records_dropped << "\n";
    return admin::flush_stdout();
  }
  std::optional<spam::Class> cls;
  if (a.spam) cls = spam::Class::kSpam;
  if (a.ham) cls = spam::Class::kHam;
  auto c = spam::learn_paths(**store, a.paths, cls);
  // the batches learned before a failure are published too
  auto published = publish(**store, *home, a.user);
  if (!c) log::fatal(kExitTemporary, c.error().what);
  if (!published) log::fatal(kExitTemporary, published.error().what);
  print_counts(*c, !cls);
  return admin::flush_stdout();
}

}  // namespace posta::spamcheck
