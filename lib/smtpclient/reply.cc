#include "smtpclient/reply.h"

#include <algorithm>

#include "control/control.h"
#include "log/log.h"

namespace posta::smtpc {

std::string Reply::text() const {
  std::string out = std::to_string(code);
  for (size_t i = 0; i < lines.size(); ++i) {
    out += i == 0 ? " " : " / ";
    out += log::printable(lines[i], 1000);
  }
  return out;
}

Result<std::optional<Reply>> ReplyParser::feed(std::string_view line) {
  if (line.size() > kMaxLine) return fail("reply line too long");
  if (line.size() < 3 || line[0] < '2' || line[0] > '5' || line[1] < '0' || line[1] > '9' ||
      line[2] < '0' || line[2] > '9')
    return fail("malformed reply: " + log::printable(line, 80));
  if (line.size() > 3 && line[3] != ' ' && line[3] != '-')
    return fail("malformed reply: " + log::printable(line, 80));
  int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
  if (!cur_.lines.empty() && code != cur_.code) return fail("reply code changes inside a reply");
  if (cur_.lines.size() >= kMaxLines) return fail("reply has too many lines");
  cur_.code = code;
  cur_.lines.emplace_back(line.size() > 4 ? line.substr(4) : std::string_view());
  if (line.size() > 3 && line[3] == '-') return std::optional<Reply>();
  Reply done = std::move(cur_);
  cur_ = Reply{};
  return std::optional<Reply>(std::move(done));
}

bool Extensions::has_auth(std::string_view mech) const {
  return std::find(auth.begin(), auth.end(), mech) != auth.end();
}

Extensions parse_ehlo(const Reply& r) {
  Extensions e;
  for (size_t i = 1; i < r.lines.size(); ++i) {
    auto words = split(trim(r.lines[i]), ' ');
    if (words.empty()) continue;
    std::string kw = upper(words[0]);
    if (kw == "STARTTLS") e.starttls = true;
    else if (kw == "PIPELINING") e.pipelining = true;
    else if (kw == "8BITMIME") e.eightbitmime = true;
    else if (kw == "SMTPUTF8") e.smtputf8 = true;
    else if (kw == "CHUNKING") e.chunking = true;
    else if (kw == "SIZE") {
      e.size = true;
      if (words.size() > 1) e.size_limit = std::strtoull(words[1].c_str(), nullptr, 10);
    } else if (kw == "AUTH" || kw.rfind("AUTH=", 0) == 0) {
      if (kw.size() > 5) words[0] = kw.substr(5);
      else words.erase(words.begin());
      for (const auto& word : words) {
        std::string w = upper(word);
        if (!w.empty() && !e.has_auth(w)) e.auth.push_back(w);
      }
    }
  }
  return e;
}

}  // namespace posta::smtpc
