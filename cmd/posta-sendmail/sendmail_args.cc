#include <string_view>

#include "sendmail.h"

namespace posta::sendmail {

Result<Options> parse_args(int argc, char** argv) {
  Options o;
  int i = 1;
  for (; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--") {
      ++i;
      break;
    }
    if (a.size() < 2 || a[0] != '-') break;
    auto value = [&](std::string& out) {
      if (a.size() > 2) {
        out = std::string(a.substr(2));
        return true;
      }
      if (i + 1 >= argc) return false;
      out = argv[++i];
      return true;
    };
    char c = a[1];
    if (c == 'f' || c == 'r') {
      if (!value(o.sender)) return fail("-f needs an address");
      o.sender_given = true;
      if (o.sender == "<>") o.sender.clear();
      else if (o.sender.size() >= 2 && o.sender.front() == '<' && o.sender.back() == '>')
        o.sender = o.sender.substr(1, o.sender.size() - 2);
    } else if (c == 'F') {
      if (!value(o.full_name)) return fail("-F needs a name");
    } else if (a == "-t") {
      o.read_recipients = true;
    } else if (a == "-i" || a == "-oi") {
      o.ignore_dots = true;
    } else if (a == "-bs") {
      o.mode = Options::Mode::kSmtp;
    } else if (a == "-bp") {
      o.mode = Options::Mode::kList;
    } else if (a == "-bm") {
      o.mode = Options::Mode::kDeliver;
    } else if (c == 'q') {
      o.mode = Options::Mode::kFlush;  // -q, -q30m: one flush now (no daemon mode)
    } else if (c == 'o' || c == 'O' || a == "-v" || a == "-n" || a == "-U" || c == 'B' || c == 'N' || c == 'R' ||
               c == 'V' || c == 'X' || c == 'h' || c == 'C' || c == 'L') {
      // sendmail options with no meaning here; the ones that take a value take it attached
      // (-oem, -R hdrs: -R/-N/-V/-X/-B/-C/-L/-h take the next word when none is attached)
      if (a.size() == 2 && (c == 'B' || c == 'N' || c == 'R' || c == 'V' || c == 'X' || c == 'h' || c == 'C' || c == 'L'))
        ++i;
    } else {
      return fail("unknown option " + std::string(a));
    }
  }
  for (; i < argc; ++i) o.recipients.push_back(argv[i]);
  return o;
}

}  // namespace posta::sendmail
