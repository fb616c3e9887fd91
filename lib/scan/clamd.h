// A client of clamd's INSTREAM command (clamd(8), Debian clamav-daemon): the message goes to
// clamd in chunks as the caller reads it, so it never has to be held in memory here.
//
// Protocol: "zINSTREAM\0", then chunks each preceded by its length (4 bytes, big-endian),
// then a zero length; clamd answers one NUL-terminated line: "stream: OK",
// "stream: NAME FOUND", or "... ERROR" (e.g. "INSTREAM size limit exceeded. ERROR" once more
// than its StreamMaxLength arrived, after which it closes the connection without scanning).
// So that a large message is still scanned, the client stops sending at streammax bytes
// (set it to clamd's StreamMaxLength) and reports how much clamd saw.
//
// control/clamd: the first meaningful line is where clamd listens, "unix:/path" or a
// numeric "IP:PORT" ("127.0.0.1:3310", "[::1]:3310"); further lines "NAME VALUE" set
//   streammax BYTES      most bytes sent (K/M/G suffixes; default 25M, Debian's StreamMaxLength)
//   connecttimeout SECS  connecting (default 5)
//   timeout SECS         each write, and the wait for the answer after the last chunk (default 60)
#pragma once
#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "control/control.h"
#include "io/fd.h"

namespace posta::scan {

struct ClamdConfig {
  std::string address;  // as written in control/clamd, for logs
  sockaddr_storage addr{};
  socklen_t addr_len = 0;
  uint64_t stream_max = 25 << 20;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds timeout{60000};

  // The meaningful lines of control/clamd (Control::lines); an error names what is wrong.
  [[nodiscard]] static Result<ClamdConfig> parse(const std::vector<std::string>& lines);
  // nullopt when control/clamd does not exist (virus scanning not configured).
  [[nodiscard]] static Result<std::optional<ClamdConfig>> load(const Control& control);
};

struct ClamdResult {
  enum class Kind {
    clean,        // clamd scanned what it got and found nothing
    virus,        // detail: the signature name, "Eicar-Signature"
    unavailable,  // no clamd to talk to (not listening, connect timeout): detail says why
    error,        // clamd was there but the scan did not complete (timeout, size limit,
                  // an ERROR or malformed answer, connection closed): detail says why
  };
  Kind kind = Kind::error;
  std::string detail;
  uint64_t fed = 0;      // bytes the caller fed
  uint64_t scanned = 0;  // bytes sent to clamd
  bool truncated() const { return scanned < fed; }
};

// "clean", "virus Eicar-Signature", "unavailable: reason", "error: reason", plus
// " (scanned N of M bytes)" when truncated: for logs.
std::string describe(const ClamdResult& r);

// Parses clamd's answer to INSTREAM (without the trailing NUL).
ClamdResult parse_instream_reply(std::string_view reply);

// One INSTREAM scan. open() connects and sends the command; feed() sends data as it comes;
// finish() ends the stream and waits for the verdict. A failure at any step is kept and
// returned by finish(); later feeds are ignored.
class ClamdScan {
 public:
  static ClamdScan open(const ClamdConfig& config);
  void feed(std::string_view data);
  [[nodiscard]] ClamdResult finish();

 private:
  explicit ClamdScan(const ClamdConfig& config) : config_(config) {}
  void fail(ClamdResult::Kind kind, std::string why);
  ClamdResult answer_after_write_error(const Error& e);

  ClamdConfig config_;
  Fd sock_;
  std::optional<ClamdResult> failed_;
  uint64_t fed_ = 0, sent_ = 0;
};

// The whole of data, or of what fd gives until end of file (read in 64 KiB chunks).
[[nodiscard]] ClamdResult clamd_scan(const ClamdConfig& config, std::string_view data);
[[nodiscard]] ClamdResult clamd_scan_fd(const ClamdConfig& config, int fd);

// PING -> PONG: clamd is up and answering.
[[nodiscard]] Status clamd_ping(const ClamdConfig& config);

}  // namespace posta::scan
