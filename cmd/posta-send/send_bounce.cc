// Delivery status notifications: failures, delay warnings, success reports (RFC 3464).
#include <fcntl.h>

#include "dsn/dsn.h"
#include "io/fd.h"
#include "log/log.h"
#include "queue/inject.h"
#include "queue/maildate.h"
#include "send.h"

namespace posta::send {

using queue::kDoubleBounceSender;
using queue::RcptStatus;

namespace {
Result<std::string> read_original(const std::string& path, size_t max) {
  auto fd = open_fd(path, O_RDONLY);
  if (!fd) return std::unexpected(fd.error());
  std::string buf(max + 1, '\0');
  auto n = read_full(fd->get(), buf.data(), buf.size());
  if (!n) return std::unexpected(n.error());
  buf.resize(*n);
  return buf;
}

// Queues the message with a one-recipient envelope; waits for the queue.
Status queue_message(const std::string& msg, const std::string& sender, const std::string& rcpt) {
  queue::Envelope env;
  env.sender = sender;
  env.recipients.push_back(queue::Recipient{rcpt, "", ""});
  // our own notification: posta-queue records it as such for us only (posta-queue(8) ORIGIN)
  auto q = queue::inject(msg, env, {"", {"POSTA_ORIGIN=bounce"}, false});
  if (!q) return fail("not queued: " + q.error().line());
  return {};
}
}  // namespace

bool Scheduler::needs_report(const Message& m, const queue::RcptState& r) const {
  if (r.reported || r.index >= m.env.recipients.size()) return false;
  if (r.status == RcptStatus::kFailed) return true;
  const auto& notify = m.env.recipients[r.index].notify;
  return r.status == RcptStatus::kDelivered && !notify.empty() && queue::notify_has(notify, "SUCCESS") &&
         !m.env.sender.empty() && m.env.sender != kDoubleBounceSender;
}

Status Scheduler::inject_dsn(const Message& m, const std::vector<size_t>& idx, const std::string& action) {
  std::string to = m.env.sender, sender;
  if (to == kDoubleBounceSender) return {};
  if (to.empty()) {
    if (cfg_.doublebounceto.empty()) return {};
    to = cfg_.doublebounceto;
    sender = kDoubleBounceSender;
  }
  auto original = read_original(spool_.mess(m.id), cfg_.bounce_max_bytes);
  if (!original) return std::unexpected(original.error());
  dsn::Report rep;
  rep.reporting_mta = cfg_.me;
  rep.queue_id = m.id;
  rep.envid = m.env.envid;
  rep.arrival = m.env.arrival;
  rep.date = now();
  rep.from = "MAILER-DAEMON@" + cfg_.me;
  rep.to = to;
  rep.message_id = queue::make_message_id(cfg_.me);
  rep.boundary = m.id + "/" + std::to_string(rep.date) + "/" + cfg_.me;
  rep.headers_only = action != "failed" || m.env.ret == "HDRS";
  rep.max_original_bytes = static_cast<size_t>(cfg_.bounce_max_bytes);
  for (size_t i : idx) {
    const auto* r = m.st.find(i);
    dsn::RecipientReport x;
    x.final_recipient = m.env.recipients[i].address;
    x.original_recipient = m.env.recipients[i].orcpt;
    x.action = action;
    if (action == "success") x.action = r->channel == queue::Channel::kLocal ? "delivered" : "relayed";
    bool expired = r->reason.ends_with("(queue lifetime expired)");
    // the remote's own reply, host and enhanced code when a remote server refused
    dsn::set_reason(x, r->reason, x.action == "failed", expired);
    if (x.action != "failed" && x.action != "delayed") x.status = "2.0.0";
    x.last_attempt = r->last_try;
    if (action == "delayed") x.will_retry_until = m.env.arrival + cfg_.lifetime;
    rep.rcpts.push_back(std::move(x));
  }
  auto s = queue_message(dsn::build(rep, *original), sender, to);
  if (!s) return s;
  log::info("message ", m.id, ": ", action == "failed" ? "bounce" : action == "delayed" ? "delay warning" : "success report",
            " for ", idx.size(), " recipient(s) sent to <", log::printable(to), ">");
  return {};
}

void Scheduler::report(Message& m) {
  std::vector<size_t> fails, succ;
  std::vector<queue::Record> recs;
  long long t = now();
  for (auto& r : m.st.rcpts) {
    if (!needs_report(m, r)) continue;
    const auto& notify = m.env.recipients[r.index].notify;
    if (r.status == RcptStatus::kDelivered) succ.push_back(r.index);
    else if (m.env.sender.empty() || queue::notify_has(notify, "FAILURE")) fails.push_back(r.index);
    else recs.push_back({'B', r.index, "", t, 0, ""});  // NOTIFY=NEVER or without FAILURE
    if (r.status == RcptStatus::kFailed && m.env.sender == kDoubleBounceSender)
      log::warning("message ", m.id, ": double bounce to <", log::printable(r.address), "> failed, discarded");
  }
  if (!fails.empty()) {
    if (auto s = inject_dsn(m, fails, "failed"); !s) {
      log::warning("message ", m.id, ": unable to send the bounce, will retry: ", s.error().what);
      fails.clear();
    }
  }
  if (!succ.empty()) {
    if (auto s = inject_dsn(m, succ, "success"); !s) {
      log::warning("message ", m.id, ": unable to send the success report, will retry: ", s.error().what);
      succ.clear();
    }
  }
  for (size_t i : fails) recs.push_back({'B', i, "", t, 0, ""});
  for (size_t i : succ) recs.push_back({'B', i, "", t, 0, ""});
  append(m, recs);
}

void Scheduler::maybe_warn(Message& m) {
  long long t = now();
  if (m.st.warned || cfg_.bouncewarn <= 0 || t - m.env.arrival < cfg_.bouncewarn) return;
  if (m.env.sender.empty() || m.env.sender == kDoubleBounceSender) return;
  std::vector<size_t> idx;
  for (auto& r : m.st.rcpts)
    if (r.status == RcptStatus::kPending && r.attempts > 0 && queue::notify_has(m.env.recipients[r.index].notify, "DELAY"))
      idx.push_back(r.index);
  if (idx.empty()) return;
  if (auto s = inject_dsn(m, idx, "delayed"); !s) {
    log::warning("message ", m.id, ": unable to send the delay warning: ", s.error().what);
    return;
  }
  append(m, {{'W', 0, "", t, 0, ""}});
}

}  // namespace posta::send
