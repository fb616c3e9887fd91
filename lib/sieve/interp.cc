// Runs commands and collects actions (RFC 5228 section 4, and the extensions' actions).
#include "sieve/interp.h"

#include <algorithm>
#include <ctime>

#include "base/strings.h"
#include "sieve/variables.h"

namespace posta::sieve {

Runner::Runner(const Message& msg, const RunOptions& opt) : opt_(opt), msg_(msg) {
  budget_.limit = opt.limits.max_steps;
  budget_.regex_match_limit = opt.limits.regex_match_limit;
  budget_.start_clock(opt.limits.max_cpu_ms);
}

std::optional<std::string_view> Runner::variable(std::string_view name, const Scope& s) const {
  if (!name.empty() && name[0] >= '0' && name[0] <= '9') {
    size_t n = name.size() == 1 ? static_cast<size_t>(name[0] - '0') : 10;
    if (n < match_vars_.size()) return std::string_view(match_vars_[n]);
    return std::nullopt;
  }
  std::string key(name);
  if (s.globals.count(key)) {
    auto g = global_vars_.find(key);
    if (g != global_vars_.end()) return std::string_view(g->second);
    return std::nullopt;
  }
  auto it = s.variables.find(key);
  if (it != s.variables.end()) return std::string_view(it->second);
  return std::nullopt;
}

std::string Runner::expand(const Str& str, Scope& s) const {
  if (!str.vars) return str.text;
  return expand_variables(str.text, [&](std::string_view n) { return variable(n, s); },
                          opt_.limits.max_string_size);
}

std::vector<std::string> Runner::expand_all(const StrList& l, Scope& s) const {
  std::vector<std::string> out;
  out.reserve(l.size());
  for (const auto& x : l) out.push_back(expand(x, s));
  return out;
}

void Runner::set_variable(Scope& s, const std::string& name, std::string value) {
  if (value.size() > opt_.limits.max_variable_size) value.resize(opt_.limits.max_variable_size);
  auto& table = s.globals.count(name) ? global_vars_ : s.variables;
  if (!table.count(name) && table.size() >= opt_.limits.max_variables) return;  // silently bounded
  table[name] = std::move(value);
}

std::vector<std::string> Runner::flag_list(const std::vector<std::string>& strings) {
  std::vector<std::string> out;
  for (const auto& s : strings) {
    size_t i = 0;
    while (i < s.size()) {
      size_t b = s.find_first_not_of(' ', i);
      if (b == std::string::npos) break;
      size_t e = s.find(' ', b);
      if (e == std::string::npos) e = s.size();
      std::string f = s.substr(b, e - b);
      bool dup = std::any_of(out.begin(), out.end(), [&](const std::string& o) { return iequals(o, f); });
      if (!dup) out.push_back(std::move(f));
      i = e;
    }
  }
  return out;
}

namespace {

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out.push_back(' ');
    out += s;
  }
  return out;
}

bool same_mailbox(std::string_view a, std::string_view b) {
  if (iequals(a, "INBOX") && iequals(b, "INBOX")) return true;
  return a == b;
}

// keep is fileinto "INBOX" for duplicate detection
bool stores_into(const Action& a, std::string_view mailbox) {
  if (a.kind == Action::kKeep) return same_mailbox("INBOX", mailbox);
  return a.kind == Action::kFileinto && same_mailbox(a.mailbox, mailbox);
}

}  // namespace

const std::string& Runner::flag_variable(const Scope& s, std::string_view name) const {
  static const std::string empty;
  if (name.empty()) return flags_;
  std::string key(name);
  const auto& table = s.globals.count(key) ? global_vars_ : s.variables;
  auto it = table.find(key);
  return it == table.end() ? empty : it->second;
}

Status Runner::add_action(Action a, bool cancels_keep) {
  bool reject = a.kind == Action::kReject || a.kind == Action::kEreject;
  for (auto& prev : out_.actions) {
    bool prev_reject = prev.kind == Action::kReject || prev.kind == Action::kEreject;
    if (reject && prev_reject) return fail("more than one reject");
    if ((reject && (prev.kind == Action::kKeep || prev.kind == Action::kFileinto || prev.kind == Action::kVacation ||
                    prev.kind == Action::kRedirect)) ||
        (prev_reject && (a.kind == Action::kKeep || a.kind == Action::kFileinto || a.kind == Action::kVacation ||
                         a.kind == Action::kRedirect)))
      return fail("reject conflicts with other actions");
    // the same mailbox or address twice is one action (RFC 5228 section 2.10.3)
    std::string_view target = a.kind == Action::kKeep ? std::string_view("INBOX") : std::string_view(a.mailbox);
    if ((a.kind == Action::kKeep || a.kind == Action::kFileinto) && stores_into(prev, target)) {
      for (auto& f : a.flags) prev.flags.push_back(f);
      prev.flags = flag_list(prev.flags);
      prev.copy = prev.copy && a.copy;
      if (cancels_keep) out_.implicit_keep = false;
      return {};
    }
    if (a.kind == Action::kRedirect && prev.kind == Action::kRedirect && iequals(prev.address, a.address)) {
      if (cancels_keep) out_.implicit_keep = false;
      return {};
    }
    if (a.kind == Action::kDiscard && prev.kind == Action::kDiscard) return {};
  }
  if (out_.actions.size() >= opt_.limits.max_actions)
    return fail("too many actions (limit " + std::to_string(opt_.limits.max_actions) + ")");
  if (cancels_keep) out_.implicit_keep = false;
  out_.actions.push_back(std::move(a));
  return {};
}

std::string Runner::flags_of(const Command& c, Scope& s) const {
  if (c.has_flags) return join(flag_list(expand_all(c.flags, s)));
  return flags_;
}

Result<Runner::Flow> Runner::run_script(const Program& p) {
  Scope s;
  s.program = &p;
  return block(p.commands, s);
}

Result<Runner::Flow> Runner::block(const std::vector<Command>& cmds, Scope& s) {
  for (const auto& c : cmds) {
    POSTA_TRY(Flow f, command(c, s));
    if (f != Flow::kNext) return f;
  }
  return Flow::kNext;
}

Result<Runner::Flow> Runner::command(const Command& c, Scope& s) {
  if (auto st = budget_.charge(1); !st) return std::unexpected(st.error());
  Action a;
  Status st;
  switch (c.kind) {
    case Command::kIf:
      for (const auto& b : c.branches) {
        bool taken = true;
        if (b.has_test) {
          POSTA_TRY(taken, test(b.test, s));
        }
        if (taken) return block(b.block, s);
      }
      return Flow::kNext;
    case Command::kStop:
      return Flow::kStop;
    case Command::kReturn:
      return Flow::kReturn;
    case Command::kKeep:
      a.kind = Action::kKeep;
      a.mailbox = "INBOX";
      a.flags = flag_list({flags_of(c, s)});
      a.has_flags = s.program->imap4flags;
      st = add_action(std::move(a), true);
      break;
    case Command::kDiscard:
      a.kind = Action::kDiscard;
      st = add_action(std::move(a), true);
      break;
    case Command::kFileinto:
      a.kind = Action::kFileinto;
      a.mailbox = expand(c.arg, s);
      a.create = c.create;
      a.copy = c.copy;
      a.flags = flag_list({flags_of(c, s)});
      a.has_flags = s.program->imap4flags;
      st = add_action(std::move(a), !c.copy);
      break;
    case Command::kRedirect:
      a.kind = Action::kRedirect;
      a.address = expand(c.arg, s);
      a.copy = c.copy;
      if (a.address.find('@') == std::string::npos) return fail("invalid redirect address \"" + a.address + "\"");
      if (++redirects_ > opt_.limits.max_redirects)
        return fail("too many redirects (limit " + std::to_string(opt_.limits.max_redirects) + ")");
      st = add_action(std::move(a), !c.copy);
      break;
    case Command::kReject:
    case Command::kEreject:
      a.kind = c.kind == Command::kReject ? Action::kReject : Action::kEreject;
      a.reason = expand(c.arg, s);
      st = add_action(std::move(a), true);
      break;
    case Command::kVacation:
      st = vacation(c, s);
      break;
    case Command::kSetflag:
    case Command::kAddflag:
    case Command::kRemoveflag: {
      std::vector<std::string> given = flag_list(expand_all(c.flags, s));
      std::string name = c.has_variable ? c.variable.text : "";
      std::vector<std::string> cur = flag_list({flag_variable(s, name)});
      if (c.kind == Command::kSetflag) {
        cur = given;
      } else if (c.kind == Command::kAddflag) {
        cur.insert(cur.end(), given.begin(), given.end());
        cur = flag_list(cur);
      } else {
        std::erase_if(cur, [&](const std::string& f) {
          return std::any_of(given.begin(), given.end(), [&](const std::string& g) { return iequals(f, g); });
        });
      }
      if (name.empty()) {
        flags_ = join(cur);
      } else {
        set_variable(s, name, join(cur));
      }
      break;
    }
    case Command::kSet:
      set_variable(s, c.variable.text, apply_modifiers(expand(c.arg, s), c.modifiers));
      break;
    case Command::kInclude:
      return include(c, s);
    case Command::kGlobal:
      for (const auto& n : c.names) s.globals.insert(n.text);
      break;
  }
  if (!st) return std::unexpected(st.error());
  return Flow::kNext;
}

Status Runner::vacation(const Command& c, Scope& s) {
  if (vacation_seen_) return fail("more than one vacation action");
  vacation_seen_ = true;
  Action a;
  a.kind = Action::kVacation;
  a.reason = expand(c.arg, s);
  // RFC 5230 4.1: 7 days by default
  a.period_seconds = std::max(c.has_period ? c.period : 7 * 86400, opt_.limits.vacation_min_period);
  if (c.has_subject) a.subject = expand(c.subject, s);
  if (c.has_from) a.from = expand(c.from, s);
  a.addresses = expand_all(c.addresses, s);
  a.mime = c.mime;
  // RFC 5230 4.2: without :handle, the handle is made of the arguments
  a.handle = c.has_handle ? expand(c.handle, s)
                          : a.reason + (c.has_subject ? a.subject : "<default-subject>") +
                                (c.has_from ? a.from : "<default-from>") + (c.mime ? "<MIME>" : "<NO-MIME>");
  return add_action(std::move(a), false);
}

Result<Runner::Flow> Runner::include(const Command& c, Scope& s) {
  (void)s;
  const std::string& name = c.arg.text;
  std::string key = (c.global ? "global:" : "personal:") + name;
  if (c.once && included_once_.count(key)) return Flow::kNext;
  if (include_depth_ >= opt_.limits.max_include_depth) return fail("include nested too deeply at \"" + name + "\"");
  if (++includes_ > opt_.limits.max_includes) return fail("too many includes");
  if (!opt_.includes.load && !opt_.includes.load_script)
    return fail("include is not available here (\"" + name + "\")");
  CompileOptions co;
  co.limits = opt_.limits;
  co.global = c.global;
  auto script = [&]() -> Result<Script> {
    if (opt_.includes.load_script) return opt_.includes.load_script(name, c.global, co);
    POSTA_TRY(auto text, opt_.includes.load(name, c.global));
    return compile(text, co);
  }();
  if (!script) {
    if (script.error().code == ENOENT && c.optional) return Flow::kNext;
    return fail("include \"" + name + "\": " + script.error().what);
  }
  included_once_.insert(key);
  ++include_depth_;
  auto f = run_script(script->program());
  --include_depth_;
  if (!f) return std::unexpected(f.error());
  return *f == Flow::kStop ? Flow::kStop : Flow::kNext;
}

Outcome Runner::finish() {
  Outcome o = std::move(out_);
  if (o.implicit_keep) o.implicit_keep_flags = flag_list({flags_});
  return o;
}

Result<Outcome> run_sequence(const std::vector<const Script*>& scripts, const Message& msg, const RunOptions& options) {
  Runner r(msg, options);
  for (const Script* s : scripts) {
    if (!s || s->empty()) continue;
    POSTA_TRY(auto flow, r.run_script(s->program()));
    if (flow == Runner::Flow::kStop) break;
  }
  return r.finish();
}

Result<Outcome> run(const Script& script, const Message& msg, const RunOptions& options) {
  return run_sequence({&script}, msg, options);
}

}  // namespace posta::sieve
