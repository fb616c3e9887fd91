#include "imap/command_reader.h"

#include <charconv>

namespace posta::imap {

bool trailing_literal(const std::string& line, size_t& size, bool& nonsync, size_t& start) {
  if (line.empty() || line.back() != '}') return false;
  size_t open = line.rfind('{');
  if (open == std::string::npos) return false;
  std::string_view num(line.data() + open + 1, line.size() - open - 2);
  nonsync = !num.empty() && num.back() == '+';
  if (nonsync) num.remove_suffix(1);
  if (num.empty() || num.size() > 19) {
    // Overlong digit strings: treat as "too big" by reporting SIZE_MAX.
    if (num.size() > 19 && num.find_first_not_of("0123456789") == std::string_view::npos) {
      size = SIZE_MAX;
      start = open;
      return true;
    }
    return false;
  }
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), v);
  if (p != num.data() + num.size()) return false;
  size = ec == std::errc() ? static_cast<size_t>(v) : SIZE_MAX;
  // "~{n}" (literal8, RFC 3516 and RFC 6855 APPEND): the same bytes to the parser.
  start = open > 0 && line[open - 1] == '~' ? open - 1 : open;
  return true;
}

std::string guess_tag(const std::string& line) {
  size_t i = 0;
  while (i < line.size() && i < 64 && line[i] > ' ' && line[i] < 0x7f && line[i] != '{' &&
         line[i] != '(' && line[i] != ')' && line[i] != '%' && line[i] != '*' && line[i] != '"' &&
         line[i] != '\\')
    ++i;
  if (i == 0 || (i < line.size() && line[i] != ' ')) return "*";
  return std::string(line.data(), i);
}

ReadResult CommandReader::read() {
  ReadResult r;
  size_t total = 0;
  for (;;) {
    Line line = in_.read_line();
    switch (line.status) {
      case Line::Status::kOk: break;
      case Line::Status::kEof: r.status = ReadStatus::kEof; return r;
      case Line::Status::kTimeout: r.status = ReadStatus::kTimeout; return r;
      case Line::Status::kError: r.status = ReadStatus::kError; return r;
      case Line::Status::kTooLong:
        r.status = ReadStatus::kLineTooLong;
        if (r.cmd.literals.empty()) r.tag = guess_tag(line.text);
        return r;
    }
    if (r.cmd.literals.empty()) r.tag = guess_tag(line.text);
    if (line.has_nul) {
      r.status = ReadStatus::kNul;
      return r;
    }
    size_t size = 0, start = 0;
    bool nonsync = false;
    if (!trailing_literal(line.text, size, nonsync, start)) {
      r.cmd.text += line.text;
      return r;
    }
    r.cmd.text.append(line.text, 0, start);
    r.cmd.text += '\0';
    bool too_big = size > limits_.max_literal || size > limits_.max_total - total ||
                   r.cmd.literals.size() >= limits_.max_literals ||
                   r.cmd.text.size() > limits_.max_line * 4;
    if (too_big) {
      r.status = nonsync ? ReadStatus::kLiteralFatal : ReadStatus::kLiteralTooBig;
      return r;
    }
    if (!nonsync) cont_();
    std::string lit;
    lit.reserve(size);
    if (!in_.read_exact(size, lit)) {
      r.status = ReadStatus::kEof;
      return r;
    }
    total += size;
    r.cmd.literals.push_back(std::move(lit));
  }
}

}  // namespace posta::imap
