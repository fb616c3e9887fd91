#include "imap/structure.h"

#include "base/strings.h"
#include "imap/parser.h"
#include "imap/writer.h"
#include "mime/address.h"

namespace posta::imap {
namespace {

std::string addresses(const std::vector<mime::HeaderField>& h, const char* name) {
  auto v = mime::header_value(h, name);
  if (!v) return "NIL";
  auto list = mime::parse_addresses(*v, 500);
  if (list.empty()) return "NIL";
  std::string out = "(";
  for (auto& a : list) {
    // Without a display name, the comment of "a@b (Ann Bee)" is the name (as Dovecot does).
    const std::string& name = a.has_name ? a.name : a.comment;
    if (a.group_start) out += "(NIL NIL " + quote(a.mailbox) + " NIL)";
    else if (a.group_end) out += "(NIL NIL NIL NIL)";
    else
      out += "(" + nquote(name, !name.empty()) + " " + nquote(a.route, !a.route.empty()) + " " +
             nquote(a.mailbox, !a.mailbox.empty()) + " " +
             nquote(a.host, !a.host.empty()) + ")";
  }
  return out + ")";
}

std::string nstr(const std::vector<mime::HeaderField>& h, const char* name) {
  auto v = mime::header_value(h, name);
  return v ? quote(*v) : "NIL";
}

std::string params(const mime::Params& p) {
  if (p.empty()) return "NIL";
  std::string out = "(";
  for (size_t i = 0; i < p.size(); ++i)
    out += (i ? " " : "") + quote(upper(p[i].first)) + " " + quote(p[i].second);
  return out + ")";
}

std::string disposition(const mime::Part& p) {
  if (p.disposition.empty()) return "NIL";
  return "(" + quote(upper(p.disposition)) + " " + params(p.disposition_params) + ")";
}

std::string extension_tail(const mime::Part& p) {
  return " " + disposition(p) + " " + nquote(p.language, p.has_language) + " " +
         nquote(p.location, p.has_location);
}

}  // namespace

std::string envelope(const std::vector<mime::HeaderField>& h) {
  std::string from = addresses(h, "from");
  // Absent or empty Sender and Reply-To are the From (RFC 3501 7.4.2).
  std::string sender = addresses(h, "sender"), reply = addresses(h, "reply-to");
  if (sender == "NIL") sender = from;
  if (reply == "NIL") reply = from;
  return "(" + nstr(h, "date") + " " + nstr(h, "subject") + " " + from + " " + sender + " " + reply +
         " " + addresses(h, "to") + " " + addresses(h, "cc") + " " + addresses(h, "bcc") + " " +
         nstr(h, "in-reply-to") + " " + nstr(h, "message-id") + ")";
}

std::string body_structure(const mime::Part& p, bool ext) {
  if (p.multipart()) {
    std::string out = "(";
    for (auto& c : p.children) out += body_structure(c, ext);
    out += " " + quote(upper(p.subtype));
    if (ext) out += " " + params(p.params) + extension_tail(p);
    return out + ")";
  }
  std::string out = "(" + quote(upper(p.type)) + " " + quote(upper(p.subtype)) + " " + params(p.params) +
                    " " + nquote(p.id, p.has_id) + " " + nquote(p.description, p.has_description) + " " +
                    quote(upper(p.encoding)) + " " + std::to_string(p.body_size());
  if (p.rfc822() && !p.children.empty()) {
    const auto& inner = p.children[0];
    out += " " + envelope(inner.headers) + " " + body_structure(inner, ext) + " " + std::to_string(p.lines);
  } else if (p.type == "text") {
    out += " " + std::to_string(p.lines);
  }
  if (ext) out += " " + nquote(p.md5, p.has_md5) + extension_tail(p);
  return out + ")";
}

}  // namespace posta::imap
