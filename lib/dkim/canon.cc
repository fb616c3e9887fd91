#include "dkim/canon.h"

#include <map>

namespace posta::dkim {
namespace {

bool wsp(char c) { return c == ' ' || c == '\t'; }

}  // namespace

SplitMessage split_message(std::string_view m) {
  SplitMessage out;
  size_t pos = 0;
  while (pos < m.size()) {
    size_t eol = m.find("\r\n", pos);
    size_t next = eol == std::string_view::npos ? m.size() : eol + 2;
    if (eol == pos) {  // the empty line
      out.body = m.substr(next);
      return out;
    }
    if (wsp(m[pos]) && !out.headers.empty()) {
      out.headers.back().raw.append(m.substr(pos, next - pos));
    } else {
      HeaderField f;
      size_t colon = m.find(':', pos);
      f.name = std::string(m.substr(pos, (colon == std::string_view::npos || colon > next ? next : colon) - pos));
      while (!f.name.empty() && wsp(f.name.back())) f.name.pop_back();
      f.raw = std::string(m.substr(pos, next - pos));
      out.headers.push_back(std::move(f));
    }
    pos = next;
  }
  return out;
}

std::string header_simple(const HeaderField& f) { return f.raw; }

std::string header_relaxed(const HeaderField& f) {
  size_t colon = f.raw.find(':');
  std::string name = lower(trim_wsp(std::string_view(f.raw).substr(0, colon)));
  std::string value;
  if (colon != std::string::npos) {
    bool space = false;
    for (size_t i = colon + 1; i < f.raw.size(); ++i) {
      char c = f.raw[i];
      if (c == '\r' || c == '\n') continue;  // unfold
      if (wsp(c)) {
        space = true;
        continue;
      }
      if (space && !value.empty()) value.push_back(' ');
      space = false;
      value.push_back(c);
    }
  }
  return name + ":" + value + "\r\n";
}

std::string body_relaxed(std::string_view body) {
  std::string out;
  out.reserve(body.size());
  size_t pos = 0;
  while (pos < body.size()) {
    size_t eol = body.find("\r\n", pos);
    std::string_view line = body.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
    bool space = false;
    for (char c : line) {
      if (wsp(c)) {
        space = true;
        continue;
      }
      if (space) out.push_back(' ');
      space = false;
      out.push_back(c);
    }
    out += "\r\n";
    if (eol == std::string_view::npos) break;
    pos = eol + 2;
  }
  while (out.size() >= 2 && out.compare(out.size() - 2, 2, "\r\n") == 0 &&
         (out.size() == 2 || out.compare(out.size() - 4, 2, "\r\n") == 0))
    out.resize(out.size() - 2);
  return out;
}

std::string body_simple(std::string_view body) {
  std::string out(body);
  if (out.size() < 2 || out.compare(out.size() - 2, 2, "\r\n") != 0) out += "\r\n";
  while (out.size() >= 4 && out.compare(out.size() - 4, 4, "\r\n\r\n") == 0) out.resize(out.size() - 2);
  return out;
}

std::vector<const HeaderField*> select_headers(const std::vector<HeaderField>& headers,
                                               const std::vector<std::string>& names) {
  // each name's fields in header order; a use takes the last one left (linear work however
  // long h= and the header block are)
  std::map<std::string, std::vector<const HeaderField*>> unused;
  for (auto& h : headers) unused[lower(h.name)].push_back(&h);
  std::vector<const HeaderField*> out;
  for (auto& n : names) {
    auto it = unused.find(lower(trim_wsp(n)));
    if (it == unused.end() || it->second.empty()) continue;
    out.push_back(it->second.back());
    it->second.pop_back();
  }
  return out;
}

}  // namespace posta::dkim
