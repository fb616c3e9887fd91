// The header side of the tokenizer: which fields say something about the sender and the
// software that wrote the message.
#include <algorithm>

#include "base/strings.h"
#include "mime/address.h"
#include "mime/decode.h"
#include "spam/tokenize.h"
#include "spam/tokenize_impl.h"

namespace posta::spam::detail {
namespace {

// Bytes of one field value looked at: a field of many addresses or words costs no more.
constexpr size_t kMaxFieldValue = 8192;

// Fields the filter or the local delivery adds: a message learned from a mailbox has them,
// the same message at the filter does not, so they must not count.
bool added_here(std::string_view lname) {
  return lname.starts_with("x-spam-") || lname == "delivered-to" || lname == "return-path" ||
         lname == "authentication-results" || lname == "x-posta-queue-id" || lname == "status" ||
         lname == "x-status" || lname == "x-keywords" || lname == "x-uid";
}

bool plain_name(std::string_view n) {
  return !n.empty() && n.size() <= 40 &&
         std::all_of(n.begin(), n.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'; });
}

// Letters -> 'a', digits -> '9', runs collapsed, other bytes kept: "<20260101.1a2b@x>" -> "<9.9a9a@a.a>".
std::string shape(std::string_view v) {
  std::string out;
  for (char c : v.substr(0, 120)) {
    char k = std::isdigit(static_cast<unsigned char>(c)) ? '9' : std::isalpha(static_cast<unsigned char>(c)) ? 'a' : c;
    if (out.empty() || out.back() != k || (k != 'a' && k != '9')) out += k;
  }
  return out;
}

// "Outlook Express 6.00.2900" -> "outlook express 9.9.9".
std::string mailer(std::string_view v) {
  std::string out;
  for (char c : v.substr(0, 60)) {
    char k = std::isdigit(static_cast<unsigned char>(c)) ? '9' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (k == '9' && !out.empty() && out.back() == '9') continue;
    out += k;
  }
  return trim(out);
}

void add_addresses(Tokens& t, std::string_view prefix, std::string_view value, size_t& count) {
  for (auto& a : mime::parse_addresses(value, 100)) {
    if (a.group_start || a.group_end) continue;
    ++count;
    if (!a.host.empty()) t.add(std::string(prefix) + "dom:", lower(registered_domain(a.host)));
    if (a.has_name) add_text(t, mime::decode_words(a.name), std::string(prefix) + "name:");
    else if (prefix == "from:") t.add(prefix, "noname");
    if (prefix == "from:" && !a.mailbox.empty()) t.add("from:local:", lower(a.mailbox));
  }
}

void add_subject(Tokens& t, std::string_view raw) {
  std::string s = mime::decode_words(raw);
  add_text(t, s, "subject:");
  if (raw.find("=?") != std::string_view::npos) t.add("subject:", "encoded");
  if (s.find('!') != std::string::npos) t.add("subject:", "!");
  if (s.find('$') != std::string::npos) t.add("subject:", "$");
  size_t upper = 0, lower = 0;
  for (char c : s) upper += c >= 'A' && c <= 'Z', lower += c >= 'a' && c <= 'z';
  if (upper >= 4 && lower == 0) t.add("subject:", "all-caps");
}

// The structure of one Received field: the protocol after "with", the registered domains
// of the hosts named, unresolved peers and the /24 of bracketed IPv4 addresses.
void add_received(Tokens& t, std::string_view v) {
  std::string l = lower(std::string(v.substr(0, 1000)));
  std::vector<std::string> words;
  for (auto& w : split(l, ' '))
    if (!w.empty()) words.push_back(trim(w, "();,\t\r\n"));
  for (size_t i = 0; i + 1 < words.size(); ++i) {
    const std::string& next = words[i + 1];
    if (words[i] == "with") t.add("received:with:", next);
    if ((words[i] == "from" || words[i] == "by") && next.find('.') != std::string::npos &&
        next.find_first_not_of("0123456789.[]") != std::string::npos)
      t.add("received:dom:", registered_domain(trim(next, "[]")));
  }
  if (l.find("unknown") != std::string::npos) t.add("received:", "unknown");
  for (size_t at = 0; (at = l.find('[', at)) != std::string::npos; ++at) {
    size_t end = l.find(']', at);
    if (end == std::string::npos) break;
    std::string ip = l.substr(at + 1, end - at - 1);
    size_t last = ip.rfind('.');
    if (last != std::string::npos && ip.find_first_not_of("0123456789.") == std::string::npos)
      t.add("received:ip:", ip.substr(0, last));
  }
}

}  // namespace

void add_header_tokens(Tokens& t, const std::vector<mime::HeaderField>& headers, size_t max_fields) {
  size_t received = 0, recipients = 0, seen = 0;
  bool message_id = false, date = false;
  std::string from_dom, reply_dom;
  for (auto& h : headers) {
    if (++seen > max_fields) break;
    std::string name = lower(trim(h.name));
    if (added_here(name)) continue;
    std::string_view value = std::string_view(h.value).substr(0, kMaxFieldValue);
    if (plain_name(name)) t.add("header:", name);
    if (name == "subject") {
      add_subject(t, value);
    } else if (name == "from") {
      size_t n = 0;
      add_addresses(t, "from:", value, n);
      auto a = mime::parse_addresses(value, 2);
      if (!a.empty()) from_dom = lower(registered_domain(a.front().host));
    } else if (name == "to" || name == "cc") {
      add_addresses(t, "to:", value, recipients);
    } else if (name == "reply-to") {
      auto a = mime::parse_addresses(value, 2);
      if (!a.empty()) reply_dom = lower(registered_domain(a.front().host));
      if (!reply_dom.empty()) t.add("reply-to:dom:", reply_dom);
    } else if (name == "received") {
      if (++received <= 10) add_received(t, value);
    } else if (name == "message-id") {
      message_id = true;
      std::string_view v = trim_view(value);
      t.add("message-id:shape:", shape(v));
      if (size_t at = v.rfind('@'); at != std::string_view::npos)
        t.add("message-id:dom:", lower(registered_domain(trim_view(v.substr(at + 1), "<> \t"))));
    } else if (name == "x-mailer" || name == "user-agent") {
      t.add("x-mailer:", mailer(value));
    } else if (name == "date") {
      date = true;
    }
    if (size_t q = value.find("=?"); q != std::string::npos) {
      size_t end = value.find('?', q + 2);
      if (end != std::string::npos && end - q - 2 <= 30) t.add("header-charset:", lower(std::string(value.substr(q + 2, end - q - 2))));
    }
  }
  t.add("received:count:", bucket(received));
  t.add("to:count:", bucket(recipients));
  if (!message_id) t.add("message-id:", "none");
  if (!date) t.add("date:", "none");
  if (!reply_dom.empty() && reply_dom != from_dom) t.add("reply-to:", "differs");
}

}  // namespace posta::spam::detail
