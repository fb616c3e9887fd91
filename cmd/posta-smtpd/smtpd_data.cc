// DATA and BDAT: message content through the smuggling-safe decoder into the queue program.
#include <ctime>

#include "log/log.h"
#include "queue/inject.h"
#include "queue/maildate.h"
#include "smtp/reply.h"
#include "smtpd.h"

namespace posta::smtpd {
namespace {

constexpr size_t kFlushAt = 64 * 1024;

// A HELO argument or host name inside a header comment: only harmless characters survive.
std::string header_safe(std::string_view s) {
  std::string out;
  for (unsigned char c : s.substr(0, 255)) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == '_' || c == ':' || c == '[' || c == ']' || c == '@';
    out += ok ? static_cast<char>(c) : '?';
  }
  return out;
}

}  // namespace

std::string Session::received_header() const {
  std::string h = "Received: from " + header_safe(helo_) + " (";
  if (!cfg_.remote_host.empty()) h += header_safe(cfg_.remote_host) + " ";
  h += "[" + header_safe(cfg_.remote_ip) + "])\n";
  if (tls_)
    h += "\t(using " + header_safe(tls_->protocol) + " with cipher " + header_safe(tls_->cipher) + ")\n";
  if (!auth_user_.empty()) h += "\t(authenticated user " + header_safe(auth_user_) + ")\n";
  h += "\tby " + header_safe(cfg_.me) + " (posta-smtpd) with " + protocol_name();
  // "for" only with one recipient: more would disclose Bcc recipients to each other.
  if (tx_.rcpts.size() == 1 && tx_.rcpts[0].address.size() < 200 && !tx_.smtputf8)
    h += "\n\tfor <" + tx_.rcpts[0].address + ">";
  h += "; " + queue::rfc5322_date(::time(nullptr)) + "\n";
  return h;
}

// False (after an error reply) when there is no transaction to take content for.
bool Session::data_allowed(bool bdat) {
  if (!tx_.active) error_reply(503, "5.5.1", "Need MAIL command");
  else if (tx_.rcpts.empty()) error_reply(554, "5.5.1", "No valid recipients");
  else if (!bdat && bdat_job_) error_reply(503, "5.5.1", "DATA during BDAT transfer");
  else return true;
  return false;
}

std::unique_ptr<queue::Injector> Session::start_job() {
  std::vector<std::string> env;
  if (!tx_.ret.empty()) env.push_back("POSTA_DSN_RET=" + tx_.ret);
  if (!tx_.envid.empty()) env.push_back("POSTA_DSN_ENVID=" + tx_.envid);
  if (!auth_user_.empty()) env.push_back("POSTA_AUTH_USER=" + auth_user_);
  if (tx_.smtputf8) env.push_back("POSTA_SMTPUTF8=1");
  if (!tx_.body.empty()) env.push_back("POSTA_BODY=" + tx_.body);
  if (!tx_.spf.empty()) {
    env.push_back("POSTA_SPF=" + tx_.spf);
    env.push_back("POSTA_SPF_RECEIVED=" + tx_.spf_received);
  }
  rep_.queue_env(env);
  // resident: the queue writer daemon, when it answers, saves a fork and exec per message
  auto job = queue::Injector::open({cfg_.queue_program, std::move(env), true});
  if (!job) {
    log::warning(job.error().what);
    reply(451, "4.3.0", "Unable to queue the message, please try again later");
    reset_transaction();
    return nullptr;
  }
  (*job)->write(received_header());
  return std::move(*job);
}

void Session::do_data(const smtp::Command& cmd) {
  if (!cmd.arg.empty()) {
    error_reply(501, "5.5.4", "Syntax: DATA");
    return;
  }
  if (!data_allowed(false)) return;
  auto job = start_job();
  if (!job) return;
  reply(354, "", "End data with <CR><LF>.<CR><LF>");
  if (!flush()) return;
  smtp::BodyFilter body(cfg_.databytes, cfg_.barelf);
  smtp::DataDecoder dec;
  std::string buf;
  for (;;) {
    Line l = in_.read_line();
    if (l.status == Line::Status::kTooLong) {
      // The line end of an over-long line is unknown: ending the session is the only safe way.
      job->abort();
      reply(554, "5.6.0", "Line too long in message; closing connection");
      quit_ = true;
      return;
    }
    if (l.status != Line::Status::kOk) {
      job->abort();
      (void)read_failed(l);
      log::info(cfg_.remote_ip, ": connection lost during DATA, nothing queued");
      quit_ = true;
      return;
    }
    std::string_view content;
    if (dec.feed(l, content) == smtp::DataDecoder::Step::kEnd) break;
    body.add_line(content, l.bare_lf, buf);
    if (buf.size() >= kFlushAt) {
      job->write(buf);
      buf.clear();
    }
  }
  if (!body.refused()) job->write(buf);
  finish_message(*job, body);
}

// Reads one BDAT chunk of n octets; feeds it to the body when a job is running.
bool Session::read_chunk(size_t n) {
  std::string piece;
  while (n > 0) {
    size_t k = std::min(n, kFlushAt);
    piece.clear();
    if (!in_.read_exact(k, piece)) return false;
    n -= k;
    if (!bdat_job_) continue;
    std::string out;
    bdat_split_->feed(piece, *bdat_body_, out);
    bdat_job_->write(out);
  }
  return true;
}

void Session::do_bdat(const smtp::Command& cmd) {
  auto a = smtp::parse_bdat(cmd.arg);
  if (!a) {
    // Without a size the chunk cannot be skipped: its bytes would be read as commands.
    reply(501, "5.5.4", "Syntax: BDAT size [LAST]; closing connection");
    quit_ = true;
    return;
  }
  bool ok = tx_.active && !tx_.rcpts.empty();
  bool queue_failed = false;
  if (ok && !bdat_job_) {
    bdat_job_ = start_job();  // replies 451 itself when it fails
    if (!bdat_job_) ok = false, queue_failed = true;
    bdat_body_ = std::make_unique<smtp::BodyFilter>(cfg_.databytes, cfg_.barelf);
    bdat_split_ = std::make_unique<smtp::ChunkSplitter>();
  }
  if (!read_chunk(a->size)) {
    log::info(cfg_.remote_ip, ": connection lost during BDAT, nothing queued");
    reset_transaction();
    quit_ = true;
    return;
  }
  if (!ok) {
    if (!queue_failed) data_allowed(true);
    reset_transaction();
    return;
  }
  if (a->last) {
    std::string out;
    bdat_split_->finish(*bdat_body_, out);
    bdat_job_->write(out);
  }
  if (bdat_body_->refused() || a->last) {
    finish_message(*bdat_job_, *bdat_body_);
    return;
  }
  reply(250, "2.0.0", std::to_string(a->size) + " octets received");
}

void Session::finish_message(queue::Injector& job, const smtp::BodyFilter& body) {
  if (body.refused()) {
    job.abort();
    auto r = body.refusal();
    log::info(cfg_.remote_ip, ": message refused: ", r.text);
    reset_transaction();
    error_reply(r.code, r.enhanced, r.text);
    return;
  }
  queue::Envelope env;
  env.sender = tx_.sender;
  for (auto& r : tx_.rcpts) env.recipients.push_back({r.address, r.notify, r.orcpt});
  queue::Injected q = job.close(env);
  ++messages_;
  int code = q ? 250 : q.error().reply_code();
  std::string status = q ? "2.0.0" : q.error().status;
  std::string text = !q ? q.error().text : q->empty() ? "Ok: queued" : "Ok: queued as " + *q;
  log::info(cfg_.remote_ip, ": ", q ? "queued" : "queue refused", " id=", q && !q->empty() ? *q : "-",
            " from=<", tx_.sender, "> nrcpt=", tx_.rcpts.size(), " size=", body.problems().bytes,
            q ? "" : " reply=\"" + std::to_string(code) + " " + text + "\"",
            auth_user_.empty() ? "" : " auth=" + auth_user_);
  reset_transaction();
  if (code >= 500) error_reply(code, status.c_str(), text);
  else reply(code, status.c_str(), text);
}

}  // namespace posta::smtpd
