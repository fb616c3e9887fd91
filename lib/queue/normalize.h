// The one rule for the line ends and line lengths of every injected message, applied where
// lib/queue/writer copies it into mess/ (posta-queue(8) "LINES"): whatever the injector
// (posta-smtpd through posta-queued, posta-sendmail, posta-local's forwards, posta-send's
// bounces), the spool holds LF-terminated lines that posta-remote can turn into CRLF without
// guessing, and that a strict server (posta-smtpd itself) accepts.
//
//   CRLF     -> LF            LF -> LF (both are line ends)
//   bare CR  -> refused       a receiver that ends lines on CR would see different lines
//                             than we do, which is how a second message is smuggled in
//   NUL      -> refused
//   a line over 998 octets (RFC 5322 2.1.1, without its line end) -> refused
//
// The same refusals, with the same texts, as posta-smtpd's (lib/smtp/body.h). A message
// that is already in the stored form passes byte for byte, so mail that arrived signed
// (DKIM) leaves as it came. Input may be split anywhere, a CRLF between two feeds included.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace posta::queue {

inline constexpr size_t kMaxStoredLine = 998;  // octets, without the line end

class MessageNormalizer {
 public:
  // Appends the stored form of the next bytes to out. Once refused() nothing more is appended.
  void feed(std::string_view in, std::string& out);
  // At the end of the input: a CR still waiting for its LF is a bare CR.
  void finish();
  bool refused() const { return problem_ != nullptr; }
  // "5.6.0 Message contains a bare CR ..." (an enhanced code, then the text), "" when none.
  std::string refusal() const;

 private:
  void refuse(const char* why) {
    if (!problem_) problem_ = why;
  }
  bool pending_cr_ = false;  // the last byte fed was a CR
  size_t line_ = 0;          // octets in the current line so far
  const char* problem_ = nullptr;
};

// The whole of a message at once (tests, small callers): the stored form, or nothing and
// the refusal in why.
bool normalize_message(std::string_view in, std::string& out, std::string& why);

}  // namespace posta::queue
