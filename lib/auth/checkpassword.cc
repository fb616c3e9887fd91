#include "auth/checkpassword.h"

#include <unistd.h>

#include <cstdlib>
#include <ctime>

#include "io/fd.h"

namespace posta::auth {
namespace {

constexpr size_t kMaxTimestamp = 64;
// posta-auth reads at most 2048 bytes; a pipe buffer holds at least 4096.
static_assert(kMaxLogin + kMaxPassword + kMaxTimestamp + 3 <= 2048);

std::string timestamp() {
  return "<" + std::to_string(::getpid()) + "." + std::to_string(::time(nullptr)) + "@posta>";
}

}  // namespace

std::string checkpassword_program() {
  const char* p = std::getenv("POSTA_AUTH");
  return p && *p ? p : sibling("posta-auth");
}

Result<Secret> checkpassword_frame(const Credentials& c, std::string_view stamp) {
  if (auto ok = check_credentials(c); !ok) return std::unexpected(ok.error());
  if (stamp.size() > kMaxTimestamp || stamp.find('\0') != std::string_view::npos)
    return fail("bad checkpassword timestamp");
  std::string frame;
  frame.reserve(c.login.size() + c.password.str().size() + stamp.size() + 3);
  frame += c.login;
  frame += '\0';
  frame += c.password.str();
  frame += '\0';
  frame += stamp;
  frame += '\0';
  return Secret(std::move(frame));
}

Result<ExitStatus> run_checkpassword(const std::vector<std::string>& argv, const Credentials& c,
                                     SpawnOptions opt) {
  auto frame = checkpassword_frame(c, timestamp());
  if (!frame) return std::unexpected(frame.error());
  auto pipe = Pipe::make();
  if (!pipe) return std::unexpected(pipe.error());
  if (auto w = write_all(pipe->write.get(), frame->str()); !w) return std::unexpected(w.error());
  pipe->write.reset();
  opt.fds.emplace_back(pipe->read.get(), 3);
  auto child = spawn(argv, opt);
  pipe->read.reset();
  if (!child) return std::unexpected(child.error());
  return child->wait();
}

Verdict verdict_of(const ExitStatus& st) {
  if (st.exited && st.code == 0) return Verdict::kAccepted;
  if (st.exited && st.code == kCheckRefused) return Verdict::kRefused;
  return Verdict::kTrouble;
}

}  // namespace posta::auth
