// Commands: require, if/elsif/else, stop, keep, discard, fileinto, redirect, reject,
// ereject, vacation, setflag/addflag/removeflag, set, include, return, global.
#include "sieve/checker.h"

#include <algorithm>

#include "sieve/checker_impl.h"

namespace posta::sieve {

const std::vector<std::string>& supported_extensions() {
  static const std::vector<std::string> v = {
      "fileinto", "mailbox", "reject", "ereject", "envelope", "imap4flags", "vacation",
      "vacation-seconds", "copy", "body", "variables", "subaddress", "relational",
      "comparator-i;ascii-numeric", "comparator-i;octet", "comparator-i;ascii-casemap",
      "date", "index", "regex", "include"};
  return v;
}

namespace check_impl {

namespace {

bool valid_variable_name(std::string_view s) {
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

// "local@domain" with no spaces or angle brackets: what redirect accepts.
bool plausible_address(std::string_view a) {
  size_t at = a.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= a.size()) return false;
  return a.find_first_of(" \t\r\n<>,") == std::string_view::npos;
}

class CommandChecker {
 public:
  explicit CommandChecker(Checker& c) : c_(c) {}

  Result<std::vector<Command>> block(const std::vector<CommandNode>& nodes, unsigned depth, bool top) {
    std::vector<Command> out;
    bool before_others = top;
    for (size_t i = 0; i < nodes.size(); ++i) {
      const CommandNode& n = nodes[i];
      if (n.name == "require") {
        if (!before_others) return error_at(n.pos, "require must come before any other command");
        if (auto s = require(n); !s) return std::unexpected(s.error());
        continue;
      }
      before_others = false;
      if (n.name == "elsif" || n.name == "else")
        return error_at(n.pos, "\"" + n.name + "\" without a preceding \"if\"");
      if (n.name == "if") {
        Command cmd;
        cmd.kind = Command::kIf;
        cmd.pos = n.pos;
        POSTA_TRY(Branch b, branch(n, depth, true));
        cmd.branches.push_back(std::move(b));
        while (i + 1 < nodes.size() && (nodes[i + 1].name == "elsif" || nodes[i + 1].name == "else")) {
          const CommandNode& e = nodes[++i];
          POSTA_TRY(Branch eb, branch(e, depth, e.name == "elsif"));
          cmd.branches.push_back(std::move(eb));
          if (e.name == "else") break;
        }
        out.push_back(std::move(cmd));
        continue;
      }
      if (n.has_block) return error_at(n.pos, "command \"" + n.name + "\" takes no block");
      if (!n.tests.empty()) return error_at(n.tests[0].pos, "command \"" + n.name + "\" takes no test");
      POSTA_TRY(Command cmd, simple(n));
      out.push_back(std::move(cmd));
    }
    return out;
  }

 private:
  Checker& c_;

  Status require(const CommandNode& n) {
    if (n.has_block || !n.tests.empty()) return error_at(n.pos, "malformed require");
    Args args(n.args, "require");
    POSTA_TRY(auto exts, args.strings(n.pos, "a list of extensions"));
    if (auto s = args.end(n.pos); !s) return s;
    const auto& known = supported_extensions();
    for (const auto& e : exts) {
      if (std::find(known.begin(), known.end(), e) == known.end())
        return error_at(n.pos, "unknown extension \"" + e + "\"");
      c_.required.insert(e);
      if (e == "variables") c_.variables = true;
    }
    return {};
  }

  Result<Branch> branch(const CommandNode& n, unsigned depth, bool with_test) {
    Branch b;
    if (!n.args.empty()) return error_at(n.args[0].pos, "\"" + n.name + "\" takes no arguments");
    if (with_test) {
      if (n.tests.size() != 1) return error_at(n.pos, "\"" + n.name + "\" needs one test");
      POSTA_TRY(b.test, c_.test(n.tests[0], depth + 1));
      b.has_test = true;
    } else if (!n.tests.empty()) {
      return error_at(n.tests[0].pos, "\"else\" takes no test");
    }
    if (!n.has_block) return error_at(n.pos, "\"" + n.name + "\" needs a block");
    POSTA_TRY(b.block, block(n.block, depth + 1, false));
    return b;
  }

  Status flags_tag(Command& cmd, Args& args, const Argument& tag) {
    if (auto s = c_.need("imap4flags", tag.pos, "tag :flags"); !s) return s;
    POSTA_TRY(auto f, args.tag_strings(tag));
    cmd.flags = c_.strs(f);
    cmd.has_flags = true;
    return {};
  }

  Result<Command> simple(const CommandNode& n) {
    Command cmd;
    cmd.pos = n.pos;
    Args args(n.args, "command \"" + n.name + "\"");
    const std::string& name = n.name;
    Status st;
    auto bad = [&](Status s) { return std::unexpected(s.error()); };
    if (name == "stop" || name == "discard" || name == "return") {
      cmd.kind = name == "stop" ? Command::kStop : name == "discard" ? Command::kDiscard : Command::kReturn;
      if (name == "return" && !(st = c_.need("include", n.pos, "command \"return\""))) return bad(st);
    } else if (name == "keep") {
      cmd.kind = Command::kKeep;
      while (args.at_tag()) {
        const Argument& tag = args.take();
        if (tag.tag != "flags") return args.unknown_tag(tag);
        if (!(st = flags_tag(cmd, args, tag))) return bad(st);
      }
    } else if (name == "fileinto") {
      cmd.kind = Command::kFileinto;
      if (!(st = c_.need("fileinto", n.pos, "command \"fileinto\""))) return bad(st);
      while (args.at_tag()) {
        const Argument& tag = args.take();
        if (tag.tag == "copy") {
          if (!(st = c_.need("copy", tag.pos, "tag :copy"))) return bad(st);
          cmd.copy = true;
        } else if (tag.tag == "create") {
          if (!(st = c_.need("mailbox", tag.pos, "tag :create"))) return bad(st);
          cmd.create = true;
        } else if (tag.tag == "flags") {
          if (!(st = flags_tag(cmd, args, tag))) return bad(st);
        } else {
          return args.unknown_tag(tag);
        }
      }
      POSTA_TRY(std::string mb, args.string(n.pos, "a mailbox name"));
      if (mb.empty()) return error_at(n.pos, "empty mailbox name");
      cmd.arg = c_.str(mb);
    } else if (name == "redirect") {
      cmd.kind = Command::kRedirect;
      while (args.at_tag()) {
        const Argument& tag = args.take();
        if (tag.tag != "copy") return args.unknown_tag(tag);
        if (!(st = c_.need("copy", tag.pos, "tag :copy"))) return bad(st);
        cmd.copy = true;
      }
      POSTA_TRY(std::string a, args.string(n.pos, "an address"));
      cmd.arg = c_.str(a);
      if (!cmd.arg.vars && !plausible_address(a)) return error_at(n.pos, "invalid redirect address \"" + a + "\"");
    } else if (name == "reject" || name == "ereject") {
      cmd.kind = name == "reject" ? Command::kReject : Command::kEreject;
      if (!(st = c_.need(name, n.pos, "command \"" + name + "\""))) return bad(st);
      POSTA_TRY(std::string r, args.string(n.pos, "a reason"));
      cmd.arg = c_.str(r);
    } else if (name == "vacation") {
      if (!(st = vacation(cmd, n, args))) return bad(st);
    } else if (name == "setflag" || name == "addflag" || name == "removeflag") {
      cmd.kind = name == "setflag" ? Command::kSetflag : name == "addflag" ? Command::kAddflag : Command::kRemoveflag;
      if (!(st = c_.need("imap4flags", n.pos, "command \"" + name + "\""))) return bad(st);
      POSTA_TRY(auto first, args.strings(n.pos, "a flag list"));
      if (!args.done()) {
        if (first.size() != 1 || !valid_variable_name(first[0]))
          return error_at(n.pos, "invalid variable name for \"" + name + "\"");
        if (!(st = c_.need("variables", n.pos, "a flag variable"))) return bad(st);
        cmd.variable = Str{lower(first[0]), false};
        cmd.has_variable = true;
        POSTA_TRY(auto f, args.strings(n.pos, "a flag list"));
        cmd.flags = c_.strs(f);
      } else {
        cmd.flags = c_.strs(first);
      }
    } else if (name == "set") {
      if (!(st = set(cmd, n, args))) return bad(st);
    } else if (name == "include") {
      cmd.kind = Command::kInclude;
      if (!(st = c_.need("include", n.pos, "command \"include\""))) return bad(st);
      bool location_seen = false;
      while (args.at_tag()) {
        const Argument& tag = args.take();
        if (tag.tag == "personal" || tag.tag == "global") {
          if (location_seen) return error_at(tag.pos, "more than one location for include");
          location_seen = true;
          cmd.global = tag.tag == "global";
        } else if (tag.tag == "once") {
          cmd.once = true;
        } else if (tag.tag == "optional") {
          cmd.optional = true;
        } else {
          return args.unknown_tag(tag);
        }
      }
      POSTA_TRY(std::string nm, args.string(n.pos, "a script name"));
      if (nm.empty() || nm.find('/') != std::string::npos || nm.find('\0') != std::string::npos || nm[0] == '.')
        return error_at(n.pos, "invalid script name \"" + nm + "\"");
      cmd.arg = Str{nm, false};
    } else if (name == "global") {
      cmd.kind = Command::kGlobal;
      if (!(st = c_.need("include", n.pos, "command \"global\""))) return bad(st);
      if (!(st = c_.need("variables", n.pos, "command \"global\""))) return bad(st);
      POSTA_TRY(auto names, args.strings(n.pos, "a list of variable names"));
      for (auto& v : names) {
        if (!valid_variable_name(v)) return error_at(n.pos, "invalid variable name \"" + v + "\"");
        cmd.names.push_back(Str{lower(v), false});
      }
    } else {
      return error_at(n.pos, "unknown command \"" + name + "\"");
    }
    if (!(st = args.end(n.pos))) return bad(st);
    return cmd;
  }

  Status vacation(Command& cmd, const CommandNode& n, Args& args) {
    cmd.kind = Command::kVacation;
    if (auto s = c_.need("vacation", n.pos, "command \"vacation\""); !s) return s;
    while (args.at_tag()) {
      const Argument& tag = args.take();
      const std::string& t = tag.tag;
      if (t == "days" || t == "seconds") {
        if (cmd.has_period) return error_at(tag.pos, "more than one of :days and :seconds");
        if (t == "seconds") {
          if (auto s = c_.need("vacation-seconds", tag.pos, "tag :seconds"); !s) return s;
        }
        POSTA_TRY(uint64_t v, args.tag_number(tag));
        constexpr uint64_t kMax = 3650ull * 86400;
        cmd.period = t == "days" ? std::min<uint64_t>(v, 3650) * 86400 : std::min(v, kMax);
        cmd.has_period = true;
      } else if (t == "subject") {
        POSTA_TRY(std::string v, args.tag_string(tag));
        cmd.subject = c_.str(v);
        cmd.has_subject = true;
      } else if (t == "from") {
        POSTA_TRY(std::string v, args.tag_string(tag));
        cmd.from = c_.str(v);
        cmd.has_from = true;
      } else if (t == "handle") {
        POSTA_TRY(std::string v, args.tag_string(tag));
        cmd.handle = c_.str(v);
        cmd.has_handle = true;
      } else if (t == "addresses") {
        POSTA_TRY(auto v, args.tag_strings(tag));
        cmd.addresses = c_.strs(v);
      } else if (t == "mime") {
        cmd.mime = true;
      } else {
        return args.unknown_tag(tag);
      }
    }
    POSTA_TRY(std::string reason, args.string(n.pos, "a reason"));
    cmd.arg = c_.str(reason);
    return {};
  }

  Status set(Command& cmd, const CommandNode& n, Args& args) {
    cmd.kind = Command::kSet;
    if (auto s = c_.need("variables", n.pos, "command \"set\""); !s) return s;
    while (args.at_tag()) {
      const Argument& tag = args.take();
      const std::string& t = tag.tag;
      unsigned bit = t == "lower" ? kModLower : t == "upper" ? kModUpper : t == "lowerfirst" ? kModLowerFirst
                   : t == "upperfirst" ? kModUpperFirst : t == "quotewildcard" ? kModQuoteWildcard
                   : t == "quoteregex" ? kModQuoteRegex : t == "length" ? kModLength : 0u;
      if (!bit) return args.unknown_tag(tag);
      if (bit == kModQuoteRegex) {
        if (auto s = c_.need("regex", tag.pos, "modifier :quoteregex"); !s) return s;
      }
      if (cmd.modifiers & bit) return error_at(tag.pos, "modifier :" + t + " given twice");
      cmd.modifiers |= bit;
    }
    if ((cmd.modifiers & kModLower) && (cmd.modifiers & kModUpper))
      return error_at(n.pos, "modifiers :lower and :upper together");
    if ((cmd.modifiers & kModLowerFirst) && (cmd.modifiers & kModUpperFirst))
      return error_at(n.pos, "modifiers :lowerfirst and :upperfirst together");
    POSTA_TRY(std::string name, args.string(n.pos, "a variable name"));
    if (!valid_variable_name(name)) return error_at(n.pos, "invalid variable name \"" + name + "\"");
    cmd.variable = Str{lower(name), false};
    POSTA_TRY(std::string value, args.string(n.pos, "a value"));
    cmd.arg = c_.str(value);
    return {};
  }
};

}  // namespace

}  // namespace check_impl

Result<Program> check(const std::vector<CommandNode>& commands, const Limits& limits) {
  check_impl::Checker c{limits, {}, false};
  // require comes first, so the extensions are known before any other command is checked
  check_impl::CommandChecker cc(c);
  POSTA_TRY(auto cmds, cc.block(commands, 0, true));
  Program p;
  p.commands = std::move(cmds);
  p.required.assign(c.required.begin(), c.required.end());
  p.variables = c.variables;
  p.imap4flags = c.has("imap4flags");
  return p;
}

}  // namespace posta::sieve
