#include <ctime>
#include <iostream>

#include "control/control.h"
#include "mailhdr/mailhdr.h"
#include "mime/address.h"
#include "queue/maildate.h"
#include "sendmail.h"

namespace posta::sendmail {

std::string read_message(bool ignore_dots) {
  std::string out, line;
  while (std::getline(std::cin, line)) {
    bool had_nl = !std::cin.eof();
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!ignore_dots && line == ".") break;
    out += line;
    if (had_nl) out += '\n';
  }
  if (!out.empty() && out.back() != '\n') out += '\n';
  return out;
}

namespace {

void collect(const std::string& value, const std::string& host, std::vector<std::string>& rcpts) {
  for (auto& a : mime::parse_addresses(value)) {
    if (a.group_start || a.group_end || a.mailbox.empty()) continue;
    rcpts.push_back(a.host.empty() ? a.mailbox + "@" + host : a.mailbox + "@" + a.host);
  }
}

bool is_recipient_field(const std::string& n) {
  return posta::iequals(n, "To") || posta::iequals(n, "Cc") || posta::iequals(n, "Bcc");
}

}  // namespace

std::string prepare(const std::string& msg, const Options& o, const std::string& sender, const std::string& host,
                    std::vector<std::string>& rcpts) {
  auto h = mailhdr::parse_header(msg);
  std::string head, body = msg.substr(std::min(h.body_offset, msg.size()));
  bool blank_line_present = h.complete;
  size_t pos = 0;
  for (auto& f : h.fields) {
    if (o.read_recipients && is_recipient_field(f.name)) collect(f.value, host, rcpts);
    if (!posta::iequals(f.name, "Bcc")) head += msg.substr(f.offset, f.length);
    pos = f.offset + f.length;
  }
  (void)pos;
  std::string added;
  if (mailhdr::count(h, "From") == 0) {
    std::string name = o.full_name;
    bool plain = !name.empty() && name.find_first_of("\"\\\r\n") == std::string::npos;
    added += "From: " + (plain ? "\"" + name + "\" <" + sender + ">" : sender) + "\n";
  }
  if (mailhdr::count(h, "Date") == 0) added += "Date: " + queue::rfc5322_date(::time(nullptr)) + "\n";
  if (mailhdr::count(h, "Message-ID") == 0) added += "Message-ID: " + queue::make_message_id(host) + "\n";
  if (!blank_line_present && h.fields.empty()) return added + "\n" + msg;
  return head + added + "\n" + (blank_line_present ? body : msg.substr(std::min(h.body_offset, msg.size())));
}

}  // namespace posta::sendmail
