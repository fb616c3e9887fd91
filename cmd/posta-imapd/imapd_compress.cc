// COMPRESS=DEFLATE (RFC 4978). posta-tlsd, in front of this process, holds TLS: the bytes on
// fds 0/1 are the plain IMAP stream, so compression sits here, inside TLS, as section 5 of
// the RFC orders it (compress, then encrypt).
#include "imapd_session.h"
#include "io/deflate.h"
#include "log/log.h"

namespace posta::imapd {

void Session::cmd_compress(const std::string& tag, Parser& p) {
  if (!p.sp()) return bad(tag, "Missing compression mechanism");
  auto mech = p.atom();
  if (!mech || !p.at_end()) return bad(tag, "Invalid arguments");
  if (posta::upper(*mech) != "DEFLATE") return bad(tag, "Unknown compression mechanism");
  if (compressing_) return no(tag, "[COMPRESSIONACTIVE] DEFLATE is active already");
  // The OK is the last byte sent uncompressed; what the client sends after the command's
  // line (read ahead already, perhaps) is compressed.
  out_.line(tag + " OK DEFLATE active");
  if (!out_.flush()) {
    logout_ = true;
    return;
  }
  auto deflater = std::make_shared<Deflater>();
  auto inflater = std::make_shared<Inflater>();
  out_.set_filter([deflater](std::string_view in, std::string& out) { return deflater->compress(in, out); });
  std::string ahead = in_.take_buffered(), plain;
  in_.set_filter([inflater](std::string_view raw, std::string& out) { return inflater->decompress(raw, out); });
  if (auto s = inflater->decompress(ahead, plain); !s) {
    log::info("disconnect ip=", remote_, " user=", user_, ": ", s.error().what);
    logout_ = true;
    return;
  }
  in_.prepend(plain);
  compressing_ = true;
}

}  // namespace posta::imapd
