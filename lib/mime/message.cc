#include "mime/message.h"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "base/strings.h"
#include "mime/decode.h"

namespace posta::mime {
namespace {

// Header values here are unfolded; what surrounds them is blanks and line ends.
constexpr std::string_view kWsp = " \t\r\n";

struct Ctx {
  std::string_view m;
  Limits lim;
  size_t parts = 0;
  size_t scanned = 0;
};

// The first needle in m[from, end), or npos: no search looks past the end of its part.
size_t find_in(Ctx& c, std::string_view needle, size_t from, size_t end) {
  if (from >= end || end - from < needle.size()) return std::string_view::npos;
  std::string_view hay = c.m.substr(from, end - from);
  size_t f = hay.find(needle);
  c.scanned += f == std::string_view::npos ? hay.size() : f + needle.size();
  return f == std::string_view::npos ? f : from + f;
}

// End of the header block: offset of the body (after the blank line), or end.
size_t header_end(Ctx& c, size_t start, size_t end, size_t& body) {
  std::string_view m = c.m;
  if (start < end && m.substr(start, 2) == "\r\n") { body = start + 2; return start; }
  size_t p = start;
  while (p < end) {
    size_t nl = find_in(c, "\r\n", p, end);
    if (nl == std::string_view::npos) break;
    if (nl + 4 <= end && m.substr(nl + 2, 2) == "\r\n") { body = nl + 4; return nl + 2; }
    p = nl + 2;
  }
  body = end;
  return end;
}

size_t count_lines(Ctx& c, std::string_view body) {
  c.scanned += body.size();
  size_t n = static_cast<size_t>(std::count(body.begin(), body.end(), '\n'));
  if (!body.empty() && body.back() != '\n') ++n;
  return n;
}

void fill_from_headers(Part& p, bool digest_parent) {
  auto ct = header_value(p.headers, "content-type");
  if (ct) {
    auto v = parse_param_value(*ct);
    auto slash = v.value.find('/');
    if (slash != std::string::npos && slash > 0 && slash + 1 < v.value.size()) {
      p.type = lower(trim(v.value.substr(0, slash), kWsp));
      p.subtype = lower(trim(v.value.substr(slash + 1), kWsp));
      p.params = std::move(v.params);
    } else {
      p.params = std::move(v.params);  // malformed type: default text/plain, keep charset
    }
  } else if (digest_parent) {
    p.type = "message";
    p.subtype = "rfc822";
  }
  if (p.type == "text" && p.param("charset").empty()) p.params.emplace_back("charset", "us-ascii");
  if (auto v = header_value(p.headers, "content-id")) p.id = trim(*v, kWsp), p.has_id = true;
  if (auto v = header_value(p.headers, "content-description")) p.description = trim(*v, kWsp), p.has_description = true;
  if (auto v = header_value(p.headers, "content-transfer-encoding")) {
    p.encoding = lower(trim(*v, kWsp));
    p.has_encoding = true;
  }
  if (auto v = header_value(p.headers, "content-md5")) p.md5 = trim(*v, kWsp), p.has_md5 = true;
  if (auto v = header_value(p.headers, "content-language")) p.language = trim(*v, kWsp), p.has_language = true;
  if (auto v = header_value(p.headers, "content-location")) p.location = trim(*v, kWsp), p.has_location = true;
  if (auto v = header_value(p.headers, "content-disposition")) {
    auto d = parse_param_value(*v);
    p.disposition = lower(trim(d.value, kWsp));
    p.disposition_params = std::move(d.params);
  }
}

void parse_part(Ctx& c, Part& p, size_t start, size_t end, int depth, bool digest_parent);

void parse_multipart(Ctx& c, Part& p, int depth) {
  std::string boundary = p.param("boundary");
  // RFC 2046 boundaries have no CR or LF; without them the needle below has its one CR first,
  // which keeps the substring search linear.
  if (boundary.empty() || boundary.size() > 200 || boundary.find_first_of("\r\n") != std::string::npos) return;
  const std::string delim = "--" + boundary, line_delim = "\r\n" + delim;
  std::string_view m = c.m;
  // The next delimiter line at or after from (the start of a line inside the body): the offset
  // of its dashes, or npos. before: where the part in front of it ends (the CRLF before the
  // dashes belongs to the delimiter). Searches stop at the end of this part, never the message.
  auto next_delim = [&](size_t from, size_t& before) -> size_t {
    if (from == p.body_start) {
      if (p.end - from >= delim.size() && m.substr(from, delim.size()) == delim) {
        before = from;
        return from;
      }
    } else {
      from -= 2;  // the CRLF that ends the previous line
    }
    size_t f = find_in(c, line_delim, from, p.end);
    if (f == std::string_view::npos) return f;
    before = f;
    return f + 2;
  };
  size_t before = 0;
  size_t d = next_delim(p.body_start, before);
  bool digest = p.subtype == "digest";
  while (d != std::string_view::npos) {
    size_t after = d + delim.size();
    if (after + 2 <= p.end && m.substr(after, 2) == "--") break;  // close delimiter
    size_t eol = find_in(c, "\r\n", after, p.end);
    if (eol == std::string_view::npos) break;
    size_t part_start = eol + 2;
    size_t nd = next_delim(part_start, before);
    size_t part_end = nd == std::string_view::npos ? p.end : std::max(part_start, before);
    if (++c.parts > c.lim.max_parts) break;
    Part child;
    parse_part(c, child, part_start, part_end, depth + 1, digest);
    p.children.push_back(std::move(child));
    d = nd;
  }
}

void parse_part(Ctx& c, Part& p, size_t start, size_t end, int depth, bool digest_parent) {
  p.header_start = start;
  size_t hend = header_end(c, start, end, p.body_start);
  p.end = end;
  p.headers = parse_headers(c.m.substr(start, hend - start));
  fill_from_headers(p, digest_parent);
  std::string_view body = c.m.substr(p.body_start, p.end - p.body_start);
  if (depth >= c.lim.max_depth) {
    if (p.multipart() || p.rfc822()) p.type = "application", p.subtype = "octet-stream";
    return;
  }
  if (p.multipart()) {
    parse_multipart(c, p, depth);
    if (p.children.empty()) {
      // RFC 2046: a multipart needs at least one part; show an empty text part
      Part empty;
      empty.header_start = empty.body_start = empty.end = p.end;
      empty.params.emplace_back("charset", "us-ascii");
      p.children.push_back(std::move(empty));
    }
  } else if (p.rfc822()) {
    p.lines = count_lines(c, body);
    if (++c.parts <= c.lim.max_parts) {
      Part inner;
      parse_part(c, inner, p.body_start, p.end, depth + 1, false);
      p.children.push_back(std::move(inner));
    }
  } else if (p.type == "text") {
    p.lines = count_lines(c, body);
  }
}

}  // namespace

std::vector<HeaderField> parse_headers(std::string_view block) {
  std::vector<HeaderField> out;
  size_t p = 0;
  while (p < block.size() && out.size() < 10000) {
    size_t nl = block.find('\n', p);
    size_t e = nl == std::string_view::npos ? block.size() : nl + 1;
    std::string_view line = block.substr(p, e - p);
    p = e;
    std::string_view content = line;
    while (!content.empty() && (content.back() == '\n' || content.back() == '\r')) content.remove_suffix(1);
    if (content.empty()) break;
    if ((content[0] == ' ' || content[0] == '\t') && !out.empty()) {
      out.back().value += content;
      continue;
    }
    size_t colon = content.find(':');
    if (colon == std::string_view::npos || colon == 0) continue;  // garbage line
    std::string_view name = content.substr(0, colon);
    while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
    std::string_view value = content.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    out.push_back({std::string(name), std::string(value)});
  }
  return out;
}

std::optional<std::string> header_value(const std::vector<HeaderField>& h, std::string_view name) {
  for (auto& f : h)
    if (iequals(f.name, name)) return f.value;
  return std::nullopt;
}

ParsedValue parse_param_value(std::string_view s) {
  ParsedValue out;
  size_t i = 0;
  auto skip_ws = [&] {
    for (;;) {
      while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
      if (i < s.size() && s[i] == '(') {  // comment
        int depth = 0;
        for (; i < s.size(); ++i) {
          if (s[i] == '\\') { ++i; continue; }
          if (s[i] == '(') ++depth;
          if (s[i] == ')' && --depth == 0) { ++i; break; }
        }
        continue;
      }
      return;
    }
  };
  skip_ws();
  size_t vs = i;
  while (i < s.size() && s[i] != ';') ++i;
  out.value = trim(s.substr(vs, i - vs), kWsp);
  std::vector<std::pair<std::string, std::string>> raw;
  while (i < s.size() && s[i] == ';' && raw.size() < 100) {
    ++i;
    skip_ws();
    size_t ns = i;
    while (i < s.size() && s[i] != '=' && s[i] != ';') ++i;
    std::string name = lower(trim(s.substr(ns, i - ns), kWsp));
    if (i >= s.size() || s[i] != '=') continue;
    ++i;
    skip_ws();
    std::string value;
    if (i < s.size() && s[i] == '"') {
      ++i;
      while (i < s.size() && s[i] != '"') {
        if (s[i] == '\\' && i + 1 < s.size()) ++i;
        value += s[i++];
      }
      if (i < s.size()) ++i;
      while (i < s.size() && s[i] != ';') ++i;
    } else {
      size_t st = i;
      while (i < s.size() && s[i] != ';' && !std::isspace(static_cast<unsigned char>(s[i]))) ++i;
      value = std::string(s.substr(st, i - st));
      while (i < s.size() && s[i] != ';') ++i;
    }
    if (!name.empty()) raw.emplace_back(std::move(name), std::move(value));
  }
  // RFC 2231: name*0, name*1 ... joined; name* / name*0* percent-decoded (charset'lang'text).
  for (auto& [n, v] : raw) {
    size_t star = n.find('*');
    std::string base = star == std::string::npos ? n : n.substr(0, star);
    bool encoded = !n.empty() && n.back() == '*' && star != std::string::npos;
    std::string val = v;
    if (encoded) {
      std::string charset;
      bool first = n == base + "*" || n == base + "*0*";
      if (first) {
        size_t q1 = val.find('\''), q2 = q1 == std::string::npos ? q1 : val.find('\'', q1 + 1);
        if (q2 != std::string::npos) { charset = val.substr(0, q1); val = val.substr(q2 + 1); }
      }
      std::string dec;
      for (size_t k = 0; k < val.size(); ++k) {
        if (val[k] == '%' && k + 2 < val.size() && std::isxdigit(static_cast<unsigned char>(val[k + 1])) &&
            std::isxdigit(static_cast<unsigned char>(val[k + 2]))) {
          dec += static_cast<char>(std::stoi(val.substr(k + 1, 2), nullptr, 16));
          k += 2;
        } else {
          dec += val[k];
        }
      }
      val = to_utf8(charset, dec);
    }
    auto it = std::find_if(out.params.begin(), out.params.end(), [&](auto& p) { return p.first == base; });
    if (star != std::string::npos && it != out.params.end()) it->second += val;
    else if (it == out.params.end()) out.params.emplace_back(base, val);
  }
  return out;
}

std::string Part::param(std::string_view name) const {
  for (auto& [n, v] : params)
    if (n == name) return v;
  return "";
}

Part parse(std::string_view msg, Limits limits, ParseStats* stats) {
  Ctx c{msg, limits, 1, 0};
  Part root;
  parse_part(c, root, 0, msg.size(), 0, false);
  if (stats) stats->bytes_scanned = c.scanned;
  return root;
}

std::string to_crlf(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 30 + 2);
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) out += '\r';
    out += s[i];
  }
  return out;
}

const Part* find_part(const Part& root, const std::vector<uint32_t>& path) {
  const Part* cur = &root;
  for (size_t i = 0; i < path.size(); ++i) {
    if (i > 0 && cur->rfc822()) {
      if (cur->children.empty()) return nullptr;
      cur = &cur->children[0];
    }
    uint32_t n = path[i];
    if (cur->multipart()) {
      if (n == 0 || n > cur->children.size()) return nullptr;
      cur = &cur->children[n - 1];
    } else if (n != 1) {
      return nullptr;
    }
  }
  return cur;
}

std::string select_header_lines(std::string_view block, const std::function<bool(std::string_view)>& keep,
                                size_t max) {
  std::string out;
  bool keeping = false;
  size_t p = 0;
  while (p < block.size()) {
    size_t nl = block.find('\n', p);
    size_t e = nl == std::string_view::npos ? block.size() : nl + 1;
    std::string_view line = block.substr(p, e - p);
    p = e;
    if (line == "\r\n" || line == "\n") break;
    if (line[0] != ' ' && line[0] != '\t') {
      size_t colon = line.find(':');
      std::string_view name = line.substr(0, colon == std::string_view::npos ? 0 : colon);
      while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
      keeping = colon != std::string_view::npos && keep(name);
    }
    if (keeping && (max == std::string::npos || out.size() + line.size() <= max)) out.append(line);
  }
  return out;
}

}  // namespace posta::mime
