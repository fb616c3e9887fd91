// todo/ -> info/ + state/: the pickup, and startup recovery of what is already picked up.
#include <sys/stat.h>
#include <unistd.h>

#include "accounts/lookup.h"
#include "control/control.h"
#include "io/fd.h"
#include "log/log.h"
#include "send.h"

namespace posta::send {

namespace {
bool exists(const std::string& p) {
  struct stat st;
  return ::lstat(p.c_str(), &st) == 0;
}
constexpr size_t kPickupBatch = 200;
// an uncommitted injection (mess/ and maybe intd/, no todo/) untouched this long is abandoned
constexpr long long kAbandonedAfter = 36 * 3600;
}  // namespace

bool Scheduler::is_local(const std::string& address) {
  std::string d = queue::address_domain(address);
  if (d.empty() || cfg_.locals.contains(d)) return true;
  if (!accounts_) return false;
  auto r = accounts_->is_local_domain(d);
  if (!r) throw std::runtime_error("accounts lookup failed: " + r.error().what);
  return *r;
}

// Writes state/<id> (unless a crash left one) and links info/<id>; directory syncs are the
// caller's, once per batch.
bool Scheduler::pickup_one(const std::string& id, std::vector<std::string>& done_todo,
                           std::vector<std::string>& fresh) {
  auto data = read_file(spool_.todo(id), queue::kMaxEnvelope);
  auto env = data ? queue::parse_stored(*data) : std::unexpected(data.error());
  if (!env) {
    if (bad_todo_.insert(id).second) log::error("message ", id, ": unreadable envelope, left in todo/: ", env.error().what);
    return false;
  }
  if (!exists(spool_.state(id))) {
    std::vector<queue::Record> recs;
    for (size_t i = 0; i < env->recipients.size(); ++i) {
      auto& a = env->recipients[i].address;
      recs.push_back(queue::Record{is_local(a) ? 'L' : 'X', i, a, 0, 0, ""});
    }
    if (auto s = queue::create_state(spool_.state(id), recs, false); !s) {
      log::error("message ", id, ": ", s.error().what);
      return false;
    }
  }
  if (::link(spool_.todo(id).c_str(), spool_.info(id).c_str()) != 0 && errno != EEXIST) {
    log::error("message ", id, ": ", sys_error("unable to link into info/").what);
    return false;
  }
  ::unlink(spool_.intd(id).c_str());  // a rename that did not reach the disk
  done_todo.push_back(id);
  fresh.push_back(id);
  return true;
}

bool Scheduler::pickup() {
  if (stopping_) return false;
  auto ids = spool_.list("todo");
  if (!ids) {
    log::error(ids.error().what);
    return false;
  }
  auto acc = accounts::Accounts::open(home_);
  if (!acc) {
    log::warning("unable to open the accounts databases, pickup postponed: ", acc.error().what);
    return false;
  }
  accounts_ = &*acc;
  std::vector<std::string> done_todo, fresh;
  bool more = false;
  try {
    for (auto& id : *ids) {
      if (fresh.size() >= kPickupBatch) {
        more = true;
        break;
      }
      if (messages_.count(id)) {
        done_todo.push_back(id);  // todo/ left over after a crash
        continue;
      }
      if (!bad_todo_.count(id)) pickup_one(id, done_todo, fresh);
    }
  } catch (const std::exception& e) {
    log::warning(e.what(), "; pickup postponed");
  }
  accounts_ = nullptr;
  if (!fresh.empty()) {
    auto s1 = fsync_dir(spool_.dir("state"));
    auto s2 = fsync_dir(spool_.dir("info"));
    if (!s1 || !s2) {
      log::error("unable to sync the spool: ", (!s1 ? s1.error() : s2.error()).what);
      return false;
    }
  }
  for (auto& id : done_todo) ::unlink(spool_.todo(id).c_str());
  for (auto& id : fresh) adopt(id);
  return more;
}

void Scheduler::adopt(const std::string& id) {
  auto data = read_file(spool_.info(id), queue::kMaxEnvelope);
  auto env = data ? queue::parse_stored(*data) : std::unexpected(data.error());
  if (!env) {
    log::error("message ", id, ": unreadable info/: ", env.error().what);
    return;
  }
  auto st = queue::load_state(spool_.state(id));
  if (!st) {
    log::error("message ", id, ": ", st.error().what);
    return;
  }
  Message m;
  m.id = id;
  m.env = std::move(*env);
  m.st = std::move(*st);
  struct stat sb;
  m.size = ::stat(spool_.mess(id).c_str(), &sb) == 0 ? sb.st_size : 0;
  auto [it, inserted] = messages_.emplace(id, std::move(m));
  if (!inserted) return;
  Message& msg = it->second;
  log::info("message ", id, ": from=<", log::printable(msg.env.sender), "> size=", msg.size,
            " nrcpt=", msg.env.recipients.size(), msg.env.auth_user.empty() ? "" : " auth=" + log::printable(msg.env.auth_user));
  after_change(msg);
  if (!msg.cleaning) enqueue_pending(msg);
}

void Scheduler::load_existing() {
  if (auto ids = spool_.list("info")) {
    for (auto& id : *ids) {
      if (messages_.count(id)) continue;
      if (exists(spool_.state(id))) {
        adopt(id);
      } else {  // every recipient was finished; the cleanup did not complete
        Message m;
        m.id = id;
        auto& msg = messages_.emplace(id, std::move(m)).first->second;
        finish(msg);
      }
    }
  }
  while (pickup()) {}
  sweep_orphans();
}

void Scheduler::sweep_orphans() {
  auto ids = spool_.list("mess");
  if (!ids) return;
  long long t = now();
  for (auto& id : *ids) {
    if (messages_.count(id)) continue;
    if (exists(spool_.todo(id)) || exists(spool_.info(id))) continue;  // committed
    // Age only, as qmail-clean does: a pid test races with an injection in progress (and
    // with pid reuse), and nothing was promised for a message that never reached todo/.
    struct stat sb;
    if (::stat(spool_.mess(id).c_str(), &sb) != 0) continue;
    if (t - static_cast<long long>(sb.st_mtime) < kAbandonedAfter) continue;
    log::info("message ", id, ": removing an abandoned injection");
    Message m;
    m.id = id;
    finish(messages_.emplace(id, std::move(m)).first->second);
  }
}

void Scheduler::append(Message& m, const std::vector<queue::Record>& recs) {
  if (recs.empty()) return;
  if (auto s = queue::append_state(spool_.state(m.id), recs); !s) {
    // The outcome is not durable: after a restart these recipients are tried again.
    log::error("message ", m.id, ": ", s.error().what);
  }
  for (auto& r : recs) queue::apply(m.st, r);
}

void Scheduler::finish(Message& m) {
  if (m.cleaning) return;
  m.cleaning = true;
  ++cleaning_;
  out_.clean(queue::CleanRequest{m.id});
}

void Scheduler::on_clean(const queue::CleanResult& r) {
  auto it = messages_.find(r.id);
  if (it == messages_.end() || !it->second.cleaning) {
    log::warning("clean result for unknown message ", r.id);
    return;
  }
  --cleaning_;
  if (!r.ok) log::warning("message ", r.id, ": cleanup incomplete: ", r.text);
  else if (!it->second.env.recipients.empty()) log::info("message ", r.id, ": done");
  messages_.erase(it);
}

}  // namespace posta::send
