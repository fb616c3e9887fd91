// ipc_floor SOCKET BUSY_US ROUNDS: what this machine charges for a posta-auth check's
// round trip alone. A client process connects to a unix socket, sends a request and
// waits; a server thread accepts, reads it, keeps its CPU busy for BUSY_US (as the hash
// does) and answers. Prints the median of (round trip - BUSY_US) in microseconds: the
// system calls and wake-ups of the shape of a check, with none of posta's work.
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

long since_us(Clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count();
}

class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() { if (fd_ >= 0) ::close(fd_); }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

void serve(int listener, long busy_us) {
  for (;;) {
    Socket c(::accept(listener, nullptr, nullptr));
    if (c.get() < 0) return;
    char buf[256];
    if (::recv(c.get(), buf, sizeof buf, 0) <= 0) continue;
    auto t0 = Clock::now();
    while (since_us(t0) < busy_us) {
    }
    std::memset(buf, 'a', sizeof buf);
    (void)::send(c.get(), buf, 77, MSG_NOSIGNAL);  // the size of a posta-authd answer
  }
}

int client(const sockaddr_un& addr, long busy_us, int rounds) {
  std::vector<long> v;
  for (int i = 0; i < rounds; ++i) {
    ::usleep(100000);  // idle between checks, as between logins
    auto t0 = Clock::now();
    Socket s(::socket(AF_UNIX, SOCK_STREAM, 0));
    if (::connect(s.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) return 1;
    char buf[256] = "bench@bench.test";
    if (::send(s.get(), buf, 34, MSG_NOSIGNAL) != 34 || ::recv(s.get(), buf, sizeof buf, 0) <= 0) return 1;
    v.push_back(since_us(t0) - busy_us);
  }
  std::sort(v.begin(), v.end());
  std::printf("%ld\n", v[v.size() / 2]);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: ipc_floor SOCKET BUSY_US ROUNDS\n");
    return 2;
  }
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", argv[1]);
  long busy_us = std::atol(argv[2]);
  int rounds = std::max(1, std::atoi(argv[3]));
  ::unlink(addr.sun_path);
  Socket listener(::socket(AF_UNIX, SOCK_STREAM, 0));
  if (::bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listener.get(), 16) != 0) {
    std::perror(argv[1]);
    return 1;
  }
  std::thread server(serve, listener.get(), busy_us);
  pid_t pid = ::fork();
  if (pid == 0) {
    int rc = client(addr, busy_us, rounds);
    std::fflush(stdout);
    ::_exit(rc);
  }
  int status = 1;
  if (pid > 0) ::waitpid(pid, &status, 0);
  ::shutdown(listener.get(), SHUT_RDWR);
  server.join();
  ::unlink(addr.sun_path);
  return pid > 0 && WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
