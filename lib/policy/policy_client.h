// posta-smtpd's side of run/policy.sock (policy_proto.h): one connection per session, made
// at the first request and kept; any trouble closes it, and the next request connects again.
#pragma once
#include <chrono>
#include <string>

#include "base/error.h"
#include "io/fd.h"
#include "policy/policy_proto.h"

namespace posta::policy {

// $POSTA_HOME/run/policy.sock
std::string policy_socket(const std::string& home);

class PolicyClient {
 public:
  PolicyClient(std::string socket, std::chrono::milliseconds timeout) : socket_(std::move(socket)), timeout_(timeout) {}
  // The answer; an error when posta-policyd is not there, too slow, or answers nonsense
  // (an "error" answer is an answer: the caller decides).
  [[nodiscard]] Result<Answer> ask(const Request& r);

 private:
  Result<Answer> ask_once(const Request& r);
  std::string socket_;
  std::chrono::milliseconds timeout_;
  Fd fd_;
  std::string buffered_;
};

}  // namespace posta::policy
