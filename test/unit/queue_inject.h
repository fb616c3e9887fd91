// One message through queue::write_message on pipes, as posta-queue and posta-queued's job
// threads do: its exit code, and the queue id it wrote to the id fd ("" without one).
#pragma once
#include <string>

#include "io/fd.h"
#include "queue/writer.h"

namespace posta::test {

inline int write_through_pipes(const queue::Spool& spool, const std::string& body, const std::string& envelope,
                               std::string& id, const queue::JournalConfig* journal = nullptr) {
  auto msg = Pipe::make(), env = Pipe::make(), idp = Pipe::make();
  if (!msg || !env || !idp) return -1;
  (void)write_all(msg->write.get(), body);
  msg->write.reset();
  (void)write_all(env->write.get(), envelope);
  env->write.reset();
  queue::Injection in;
  in.message_fd = msg->read.get();
  in.envelope_fd = env->read.get();
  in.id_fd = idp->write.get();
  int code = queue::write_message(spool, 0, in, journal).code;
  idp->write.reset();
  auto got = read_all(idp->read.get(), 100);
  id = got ? got->substr(0, got->find('\n')) : "";
  return code;
}

}  // namespace posta::test
