#include "sieve/message_view.h"

#include "base/strings.h"
#include "mime/address.h"
#include "mime/decode.h"
#include "mime/message.h"

namespace posta::sieve {

MessageView::MessageView(const Message& m) : m_(m), header_(mailhdr::parse_header(m.raw)) {}

std::vector<std::string> MessageView::header(std::string_view name, bool decode) const {
  std::vector<std::string> out;
  for (const auto& f : header_.fields) {
    if (!iequals(f.name, name)) continue;
    out.push_back(decode ? mime::decode_words(f.value) : f.value);
  }
  return out;
}

bool MessageView::has_header(std::string_view name) const {
  for (const auto& f : header_.fields) {
    if (iequals(f.name, name)) return true;
  }
  return false;
}

namespace {

bool type_selected(const mime::Part& p, const std::vector<std::string>& types) {
  for (const auto& t : types) {
    if (t.empty()) return true;
    size_t slash = t.find('/');
    if (slash == std::string::npos) {
      if (iequals(t, p.type)) return true;
    } else if (iequals(t.substr(0, slash), p.type) && iequals(t.substr(slash + 1), p.subtype)) {
      return true;
    }
  }
  return false;
}

void collect(std::string_view msg, const mime::Part& p, BodyTransform t, const std::vector<std::string>& types,
             std::vector<std::string>& out) {
  if (p.multipart()) {
    for (const auto& c : p.children) collect(msg, c, t, types, out);
    return;
  }
  bool wanted = t == BodyTransform::kText ? p.type == "text" : type_selected(p, types);
  if (wanted) {
    std::string_view body = msg.substr(p.body_start, p.end - p.body_start);
    out.push_back(mime::decode_body(body, p.encoding, p.param("charset")));
  }
  // an attached message's own parts are searched too (RFC 5173 section 5.2)
  if (p.rfc822()) {
    for (const auto& c : p.children) collect(msg, c, t, types, out);
  }
}

}  // namespace

std::vector<std::string> MessageView::body(BodyTransform t, const std::vector<std::string>& types) const {
  if (t == BodyTransform::kRaw) {
    size_t off = std::min(header_.body_offset, m_.raw.size());
    return {std::string(m_.raw.substr(off))};
  }
  std::string crlf;
  std::string_view msg = m_.raw;
  if (!header_.crlf) {
    crlf = mime::to_crlf(m_.raw);
    msg = crlf;
  }
  mime::Part root = mime::parse(msg);
  std::vector<std::string> out;
  collect(msg, root, t, types, out);
  return out;
}

std::optional<std::string> address_part(std::string_view address, AddressPart part, std::string_view separators) {
  size_t at = address.rfind('@');
  std::string_view local = at == std::string_view::npos ? address : address.substr(0, at);
  std::string_view domain = at == std::string_view::npos ? std::string_view() : address.substr(at + 1);
  switch (part) {
    case AddressPart::kAll: return std::string(address);
    case AddressPart::kLocalpart: return std::string(local);
    case AddressPart::kDomain: return std::string(domain);
    case AddressPart::kUser: {
      size_t sep = separators.empty() ? std::string_view::npos : local.find_first_of(separators, 1);
      return std::string(sep == std::string_view::npos ? local : local.substr(0, sep));
    }
    case AddressPart::kDetail: {
      size_t sep = separators.empty() ? std::string_view::npos : local.find_first_of(separators, 1);
      if (sep == std::string_view::npos) return std::nullopt;
      return std::string(local.substr(sep + 1));
    }
  }
  return std::nullopt;
}

std::vector<std::string> header_addresses(std::string_view value) {
  std::vector<std::string> out;
  for (const auto& a : mime::parse_addresses(value)) {
    if (a.group_start || a.group_end) continue;
    if (a.mailbox.empty() && a.host.empty()) continue;
    out.push_back(a.host.empty() ? a.mailbox : a.mailbox + "@" + a.host);
  }
  return out;
}

}  // namespace posta::sieve
