// Child processes: fork+exec with an fd map, and waiting for them.
#pragma once
#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

#include "base/error.h"

namespace posta {

struct ExitStatus {
  bool exited = false;  // false: killed by a signal
  int code = 0;         // exit code, or signal number
  bool ok() const { return exited && code == 0; }
  std::string describe() const;  // "exit 0", "signal 9"
};

ExitStatus decode_wait_status(int status);

// A child that is waited for (or killed and waited for) when the owner goes away.
class Child {
 public:
  Child() = default;
  explicit Child(pid_t pid) : pid_(pid) {}
  Child(Child&& o) noexcept : pid_(std::exchange(o.pid_, -1)) {}
  Child& operator=(Child&& o) noexcept;
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child();

  pid_t pid() const { return pid_; }
  [[nodiscard]] Result<ExitStatus> wait();
  void release() { pid_ = -1; }  // someone else reaps it (SIGCHLD handler)

 private:
  pid_t pid_ = -1;
};

struct SpawnOptions {
  // child fd (second) gets parent fd (first); everything else close-on-exec as opened
  std::vector<std::pair<int, int>> fds;
  // extra "NAME=value" entries added to the environment (replacing same names)
  std::vector<std::string> env;
  std::string cwd;
};

[[nodiscard]] Result<Child> spawn(const std::vector<std::string>& argv, const SpawnOptions& opt = {});

// In a forked child: applies env entries and execs argv (PATH search); returns only on failure.
void exec_argv(const std::vector<std::string>& argv, const std::vector<std::string>& env = {});

// The directory holding this program's binary (/proc/self/exe), to find sibling programs.
std::string self_dir();
// Path of a sibling posta program: $POSTA_BIN/name, else self_dir()/name.
std::string sibling(const std::string& name);

}  // namespace posta
