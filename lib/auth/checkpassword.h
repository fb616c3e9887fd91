// The client side of the checkpassword interface (posta-auth(8)), the one way posta-smtpd,
// posta-imapd and posta-pop3d have a password checked. The checker reads
// "login NUL password NUL timestamp NUL" on fd 3; it exits 1 for bad credentials and 111
// when it cannot decide, or else runs the program on its command line, whose exit status
// the caller gets.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "auth/credentials.h"
#include "base/error.h"
#include "proc/child.h"

namespace posta::auth {

inline constexpr int kCheckRefused = 1;  // the checker's "bad credentials"

// $POSTA_AUTH when set and not empty (tests), else the sibling posta-auth.
std::string checkpassword_program();

// The fd-3 frame; fails when check_credentials does.
[[nodiscard]] Result<Secret> checkpassword_frame(const Credentials& c, std::string_view timestamp);

// Runs argv (the checker, then the program it runs on success and its arguments) with the
// frame of c on fd 3 and waits for it. The frame is in the pipe before the checker starts,
// so this never blocks on it. opt gives the checker its other fds and environment.
[[nodiscard]] Result<ExitStatus> run_checkpassword(const std::vector<std::string>& argv, const Credentials& c,
                                                   SpawnOptions opt = {});

// What the checker's exit means when its program is /bin/true (posta-smtpd): 0 accepted,
// 1 refused, anything else (111, a signal) trouble.
enum class Verdict { kAccepted, kRefused, kTrouble };
Verdict verdict_of(const ExitStatus& st);

}  // namespace posta::auth
