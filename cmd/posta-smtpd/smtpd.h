// posta-smtpd: one ESMTP session on fd 0/1 (see posta-smtpd(8)).
#pragma once
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth/credentials.h"
#include "base/error.h"
#include "control/domain_list.h"
#include "io/line_reader.h"
#include "net/cidr_list.h"
#include "smtp/body.h"
#include "smtp/command.h"
#include "spf/policy.h"
#include "smtpd_reputation.h"
#include "tls/tls_control.h"

namespace posta::accounts {
class Accounts;
}

namespace posta::queue {
class Injector;
}

namespace posta::spf {
class ResolverLookup;
}

namespace posta::smtpd {

// The reader's limit: long enough for an AUTH line (12288) and anything legal; the per-verb
// limits (512, MAIL/RCPT 2048) are checked on top of it.
inline constexpr size_t kReaderMax = 65536;
inline constexpr size_t kMaxCommandLine = 512;  // octets including CRLF (RFC 5321 4.5.3.1.4)
inline constexpr size_t kMaxPathLine = 2048;    // MAIL/RCPT with ESMTP parameters
inline constexpr size_t kMaxAuthLine = 12288;   // RFC 4954 section 4

struct Config {
  std::string home;
  std::string me;
  std::string greeting;            // text after "220 "
  size_t databytes = 0;            // 0: unlimited
  size_t maxrcpt = 100;
  std::chrono::milliseconds timeout{300000};
  std::chrono::milliseconds write_timeout{300000};  // control/timeoutwrite
  std::chrono::seconds session_limit{1800};         // control/sessionlimitsmtpd; 0: none
  std::chrono::milliseconds greet_delay{0};
  bool local_session = false;  // PROTO=LOCAL: posta-sendmail -bs, a script on a pipe
  int maxerrors = 10;
  int maxmessages = 100;
  int maxauthfail = 3;
  bool authplaintext = false;
  bool submission = false;
  bool auth_offered = false;       // submission, or control/smtpauth on another service
  bool sendercheck = true;         // an authenticated session's MAIL FROM must belong to the login
  smtp::BareLfPolicy barelf = smtp::BareLfPolicy::kReject;
  DomainList locals;               // control/locals
  DomainList rcpthosts;            // control/rcpthosts
  bool relayclient = false;        // env RELAYCLIENT set
  std::string remote_ip, remote_port, local_ip, local_port, remote_host;
  std::string queue_program;       // queue::queue_program(control/smtpqueue)
  std::string auth_program;        // auth::checkpassword_program()
  net::CidrList trustednets;       // control/trustednets: no sender checks for these clients
  spf::Policy spf_policy;          // control/spfpolicy
  ReputationConfig reputation;
};

// Reads control files and the environment.
Config load_config(bool submission_flag);

struct Rcpt {
  std::string address;  // as handed to the queue
  std::string notify;   // canonical NOTIFY or ""
  std::string orcpt;    // decoded "type;addr" or ""
};

struct Transaction {
  bool active = false;  // MAIL given
  std::string sender;
  std::vector<Rcpt> rcpts;
  size_t declared_size = 0;
  bool smtputf8 = false;
  std::string body;     // "7BIT" "8BITMIME" or ""
  std::string ret;      // "FULL" "HDRS" or ""
  std::string envid;    // decoded
  size_t rcpt_overflow = 0;  // recipients refused past maxrcpt
  std::string spf;           // POSTA_SPF for the queue program, "" when not checked
  std::string spf_received;  // POSTA_SPF_RECEIVED
};

// The accounts databases, opened at the first lookup and kept by main() for every session
// of a reused process (joining the Berkeley DB environment costs ~5 ms; a handle reopens
// by itself after someone else's recovery, lib/accounts/lookup.h).
class AccountsCache {
 public:
  AccountsCache();
  ~AccountsCache();
  // An error when the databases cannot be opened.
  Result<accounts::Accounts*> get(const std::string& home);

 private:
  std::string home_;
  std::unique_ptr<accounts::Accounts> acc_;
};

class Session {
 public:
  Session(Config cfg, AccountsCache& accounts);
  ~Session();
  // Runs until QUIT, end of input, timeout or too many errors; returns the exit code.
  int run();

 private:
  // smtpd_session.cc
  bool greet();
  bool dispatch(const smtp::Command& cmd, size_t line_size);
  void reply(int code, const char* enh, const std::string& text);
  void send_raw(const std::string& s);
  bool flush();
  void session_expired();  // 421, log line, end of session
  // A reply of 500 or more counts as an error (smtpmaxerrors); false when that ended the session.
  bool error_reply(int code, const char* enh, const std::string& text);
  // error_reply, then false: for checks that refuse.
  bool refuse(int code, const char* enh, const std::string& text) {
    error_reply(code, enh, text);
    return false;
  }
  void do_helo(const smtp::Command& cmd, bool esmtp);
  void do_starttls(const smtp::Command& cmd);
  void do_vrfy_help(const smtp::Command& cmd);
  void reset_transaction();
  bool read_failed(const Line& l);
  std::string protocol_name() const;
  // smtpd_envelope.cc
  void do_mail(const smtp::Command& cmd);
  void do_rcpt(const smtp::Command& cmd);
  bool mail_params(const smtp::PathArgs& a);
  bool rcpt_params(const smtp::PathArgs& a, Rcpt& r);
  // smtpd_policy.cc
  // An error is a temporary failure (451): the databases could not be read.
  enum class RcptVerdict { kAccept, kUnknown, kDisabled, kRelayDenied };
  Result<RcptVerdict> check_recipient(const smtp::Mailbox& m);
  Result<bool> is_local_domain(const std::string& domain);
  Result<bool> sender_belongs_to_login(const std::string& sender);
  Result<accounts::Accounts*> accounts();
  // smtpd_spf.cc
  // The SPF check of MAIL FROM (of HELO for <>) for a client it applies to; false after
  // the refusal reply. Records the result in tx_ for the queue program.
  bool spf_allows(const std::string& sender);
  bool spf_applies() const;
  // smtpd_data.cc
  void do_data(const smtp::Command& cmd);
  void do_bdat(const smtp::Command& cmd);
  bool data_allowed(bool bdat);
  std::unique_ptr<queue::Injector> start_job();
  bool read_chunk(size_t n);
  std::string received_header() const;
  void finish_message(queue::Injector& job, const smtp::BodyFilter& body);
  // smtpd_auth.cc
  void do_auth(const smtp::Command& cmd);
  std::optional<auth::Credentials> auth_plain(std::optional<std::string_view> initial);
  std::optional<auth::Credentials> auth_login(std::optional<std::string_view> initial);
  bool auth_response(std::optional<std::string_view> initial, std::string_view prompt, auth::Secret& out);
  void auth_conclude(const std::string& mech, const auth::Credentials& cred);

  Config cfg_;
  LineReader in_;
  std::string out_;
  std::string helo_;
  bool esmtp_ = false;
  std::optional<StartTls> tls_ctl_;
  std::optional<TlsInfo> tls_;
  std::string auth_user_;
  int auth_failures_ = 0;
  int errors_ = 0;
  int messages_ = 0;
  bool quit_ = false;
  bool write_failed_ = false;  // the client stopped reading: no goodbye
  Transaction tx_;
  std::unique_ptr<queue::Injector> bdat_job_;  // a BDAT transaction in progress
  std::unique_ptr<smtp::BodyFilter> bdat_body_;
  std::unique_ptr<smtp::ChunkSplitter> bdat_split_;
  AccountsCache& accounts_;
  std::unique_ptr<spf::ResolverLookup> spf_dns_;  // the session's DNS cache, made at first use
  Reputation rep_;
};

// posta-tcpd -R (POSTA_TCPD_REUSE set): serves the connections posta-tcpd passes over fd 3,
// one fresh Session each, until posta-tcpd closes fd 3 (lib/net/reuse.h). Returns the exit code.
int serve_passed_connections(bool submission);

}  // namespace posta::smtpd
