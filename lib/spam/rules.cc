#include "spam/rules.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "base/strings.h"
#include "spam/rule_impl.h"

namespace posta::spam {

using rules_detail::CodeFree;
using rules_detail::Kind;
using rules_detail::MetaOp;

struct RuleSet::Pending {
  std::string where, name;
  bool is_score = false;
  double score = 0;
  std::string description;
};

namespace {

Status at(std::string_view file, size_t line, std::string what) {
  return fail(std::string(file) + ":" + std::to_string(line) + ": " + what);
}

bool valid_name(std::string_view n) {
  if (n.empty() || n.size() > 64) return false;
  return std::all_of(n.begin(), n.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

// The next blank-separated word of s, removed from s.
std::string_view next_word(std::string_view& s) {
  s = trim_view(s);
  size_t end = s.find_first_of(" \t");
  std::string_view w = s.substr(0, end);
  s = end == std::string_view::npos ? std::string_view() : trim_view(s.substr(end));
  return w;
}

// "/re/flags" or "m{re}flags" (any delimiter after m): the pattern and PCRE2 options.
Result<std::pair<std::string, uint32_t>> split_regex(std::string_view s, size_t max_pattern) {
  s = trim_view(s);
  if (s.size() < 2) return fail("expected /pattern/flags");
  char open = s[0];
  size_t start = 1;
  if (open == 'm' && s.size() >= 3 && !std::isalnum(static_cast<unsigned char>(s[1])) && s[1] != ' ') open = s[1], start = 2;
  else if (open != '/') return fail("expected /pattern/flags");
  char close = open == '{' ? '}' : open == '(' ? ')' : open == '<' ? '>' : open == '[' ? ']' : open;
  size_t end = s.rfind(close);
  if (end == std::string_view::npos || end < start) return fail("unterminated pattern");
  std::string_view pattern = s.substr(start, end - start);
  if (pattern.empty()) return fail("empty pattern");
  if (pattern.size() > max_pattern) return fail("pattern longer than " + std::to_string(max_pattern) + " bytes");
  uint32_t opts = 0;
  for (char f : s.substr(end + 1)) {
    if (f == 'i') opts |= PCRE2_CASELESS;
    else if (f == 'm') opts |= PCRE2_MULTILINE;
    else if (f == 's') opts |= PCRE2_DOTALL;
    else if (f == 'x') opts |= PCRE2_EXTENDED;
    else return fail(std::string("unknown pattern flag '") + f + "' (i, m, s, x)");
  }
  return std::pair{std::string(pattern), opts};
}

Result<std::unique_ptr<pcre2_code, CodeFree>> compile(const std::string& pattern, uint32_t opts) {
  int err = 0;
  PCRE2_SIZE off = 0;
  // UTF with invalid sequences allowed: decoded text is UTF-8, raw header bytes may not be
  opts |= PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_NEVER_BACKSLASH_C;
  std::unique_ptr<pcre2_code, CodeFree> code(
      pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), opts, &err, &off, nullptr));
  if (!code) {
    PCRE2_UCHAR buf[256];
    pcre2_get_error_message(err, buf, sizeof buf);
    return fail("bad pattern at offset " + std::to_string(off) + ": " + reinterpret_cast<char*>(buf));
  }
  // JIT when the platform has it; the interpreter otherwise (both under the match limits)
  (void)pcre2_jit_compile(code.get(), PCRE2_JIT_COMPLETE);
  return code;
}

// Meta expressions: recursive descent over "A && !(B || C)".
class MetaParser {
 public:
  MetaParser(std::string_view s, const RuleLimits& l) : s_(s), limits_(l) {}
  Result<std::vector<std::string>> parse(std::vector<MetaOp>& out) {
    out_ = &out;
    if (auto st = parse_or(0); !st) return std::unexpected(st.error());
    skip();
    if (pos_ != s_.size()) return fail("unexpected '" + std::string(s_.substr(pos_, 10)) + "' in meta expression");
    return names_;
  }

 private:
  void skip() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t')) ++pos_;
  }
  bool eat(std::string_view tok) {
    skip();
    if (s_.substr(pos_).starts_with(tok)) {
      pos_ += tok.size();
      return true;
    }
    return false;
  }
  Status emit(MetaOp op) {
    if (out_->size() >= limits_.max_meta_terms) return fail("meta expression has too many terms");
    out_->push_back(op);
    return {};
  }
  // operand (op operand)*, left-associative
  Status parse_chain(size_t depth, std::string_view op, MetaOp::Type type, Status (MetaParser::*operand)(size_t)) {
    if (auto st = (this->*operand)(depth); !st) return st;
    while (eat(op)) {
      if (auto st = (this->*operand)(depth); !st) return st;
      if (auto st = emit({type}); !st) return st;
    }
    return {};
  }
  Status parse_or(size_t depth) { return parse_chain(depth, "||", MetaOp::kOr, &MetaParser::parse_and); }
  Status parse_and(size_t depth) { return parse_chain(depth, "&&", MetaOp::kAnd, &MetaParser::parse_unary); }
  Status parse_unary(size_t depth) {
    if (depth >= limits_.max_meta_nesting) return fail("meta expression nested too deeply");
    if (eat("!")) {
      if (auto st = parse_unary(depth + 1); !st) return st;
      return emit({MetaOp::kNot});
    }
    if (eat("(")) {
      if (auto st = parse_or(depth + 1); !st) return st;
      if (!eat(")")) return fail("missing ')' in meta expression");
      return {};
    }
    skip();
    size_t start = pos_;
    while (pos_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_')) ++pos_;
    if (pos_ == start) return fail(pos_ < s_.size() ? "unexpected '" + std::string(1, s_[pos_]) + "' in meta expression"
                                                   : "meta expression ends early");
    names_.emplace_back(s_.substr(start, pos_ - start));
    // the rule index is filled in by finish(), in the order of names_
    return emit({MetaOp::kRule, names_.size() - 1});
  }

  std::string_view s_;
  const RuleLimits& limits_;
  size_t pos_ = 0;
  std::vector<MetaOp>* out_ = nullptr;
  std::vector<std::string> names_;
};

Result<double> parse_score(std::string_view s, double max) {
  s = trim_view(s);
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v))
    return fail("score is not a number: " + std::string(s.substr(0, 40)));
  if (std::fabs(v) > max) return fail("score out of range (at most " + std::to_string(static_cast<int>(max)) + ")");
  return v;
}

}  // namespace

RuleSet::RuleSet(RuleLimits limits) : limits_(limits) {}
RuleSet::~RuleSet() = default;
RuleSet::RuleSet(RuleSet&&) noexcept = default;
RuleSet& RuleSet::operator=(RuleSet&&) noexcept = default;

size_t RuleSet::size() const { return rules_.size(); }

Status RuleSet::add(std::string_view text, std::string_view file) {
  ++files_;
  size_t lineno = 0;
  for (std::string_view rest = text; !rest.empty();) {
    size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    ++lineno;
    if (line.size() > limits_.max_line) return at(file, lineno, "line longer than " + std::to_string(limits_.max_line) + " bytes");
    line = trim_view(line, " \t\r");
    if (line.empty() || line[0] == '#') continue;
    std::string where = std::string(file) + ":" + std::to_string(lineno);
    std::string_view args = line;
    std::string directive = lower(std::string(next_word(args)));
    std::string name(next_word(args));
    if (!valid_name(name)) return at(file, lineno, "bad or missing rule name (letters, digits, _; at most 64)");
    if (directive == "score" || directive == "describe") {
      Pending p{where, name, directive == "score", 0, std::string(args)};
      if (p.is_score) {
        auto v = parse_score(args, limits_.max_score);
        if (!v) return at(file, lineno, v.error().what);
        p.score = *v;
      }
      pending_.push_back(std::move(p));
      continue;
    }
    auto r = std::make_unique<Rule>();
    r->name = name;
    r->where = where;
    r->file = files_;
    if (name.starts_with("__")) r->score = 0;
    std::string_view pattern = args;
    if (directive == "header") {
      r->kind = Kind::kHeader;
      std::string_view field = next_word(args);
      if (field.starts_with("exists:")) {
        r->exists = true;
        field.remove_prefix(7);
        if (!args.empty()) return at(file, lineno, "nothing may follow exists:Field");
      } else {
        std::string_view op = next_word(args);
        if (op != "=~" && op != "!~") return at(file, lineno, "expected header NAME Field =~ /pattern/ (or !~, exists:Field)");
        r->negate = op == "!~";
        pattern = args;
      }
      if (field.ends_with(":raw")) r->raw = true, field.remove_suffix(4);
      if (field.empty() || (field != ":types" && field.find(':') != std::string_view::npos))
        return at(file, lineno, "bad header field name");
      r->field = field;
    } else if (directive == "body") {
      r->kind = Kind::kBody;
    } else if (directive == "uri") {
      r->kind = Kind::kUri;
    } else if (directive == "meta") {
      r->kind = Kind::kMeta;
      if (args.empty()) return at(file, lineno, "empty meta expression");
      r->meta_text = std::string(args);
      MetaParser mp(r->meta_text, limits_);
      auto names = mp.parse(r->meta);
      if (!names) return at(file, lineno, names.error().what);
    } else {
      return at(file, lineno, "unknown directive '" + directive + "' (header, body, uri, meta, score, describe)");
    }
    if (r->kind != Kind::kMeta && !r->exists) {
      auto re = split_regex(pattern, limits_.max_pattern);
      if (!re) return at(file, lineno, re.error().what);
      auto code = compile(re->first, re->second);
      if (!code) return at(file, lineno, code.error().what);
      r->code = std::move(*code);
    }
    if (auto it = index_.find(name); it != index_.end()) {
      if (rules_[it->second]->file == files_)
        return at(file, lineno, "rule " + name + " defined twice (first at " + rules_[it->second]->where + ")");
      rules_[it->second] = std::move(r);
      continue;
    }
    if (rules_.size() >= limits_.max_rules) return at(file, lineno, "more than " + std::to_string(limits_.max_rules) + " rules");
    index_.emplace(name, rules_.size());
    rules_.push_back(std::move(r));
  }
  return {};
}

Status RuleSet::finish() {
  for (auto& p : pending_) {
    auto it = index_.find(p.name);
    if (it == index_.end()) return fail(p.where + ": " + (p.is_score ? "score" : "describe") + " for unknown rule " + p.name);
    if (p.is_score) rules_[it->second]->score = p.score;
    else rules_[it->second]->description = p.description;
  }
  pending_.clear();
  // resolve the names of each meta (MetaParser kept them in order), then order the metas so
  // that each comes after the metas it uses; a cycle is an error
  for (auto& r : rules_) {
    if (r->kind != Kind::kMeta) continue;
    MetaParser mp(r->meta_text, limits_);
    std::vector<MetaOp> ops;
    auto names = mp.parse(ops);
    if (!names) return fail(r->where + ": " + names.error().what);
    for (auto& op : ops) {
      if (op.type != MetaOp::kRule) continue;
      auto it = index_.find((*names)[op.rule]);
      if (it == index_.end()) return fail(r->where + ": meta " + r->name + " uses unknown rule " + (*names)[op.rule]);
      op.rule = it->second;
    }
    r->meta = std::move(ops);
  }
  meta_order_.clear();
  std::vector<int> state(rules_.size(), 0);  // 0 new, 1 on the path, 2 done
  // iterative depth-first search: a long chain of metas must not exhaust the stack
  for (size_t root = 0; root < rules_.size(); ++root) {
    if (rules_[root]->kind != Kind::kMeta || state[root] == 2) continue;
    std::vector<std::pair<size_t, size_t>> stack{{root, 0}};
    state[root] = 1;
    while (!stack.empty()) {
      auto& [i, next] = stack.back();
      const auto& ops = rules_[i]->meta;
      while (next < ops.size() && (ops[next].type != MetaOp::kRule || rules_[ops[next].rule]->kind != Kind::kMeta ||
                                   state[ops[next].rule] == 2))
        ++next;
      if (next == ops.size()) {
        state[i] = 2;
        meta_order_.push_back(i);
        stack.pop_back();
        continue;
      }
      size_t dep = ops[next++].rule;
      if (state[dep] == 1) return fail(rules_[i]->where + ": meta rules " + rules_[i]->name + " and " + rules_[dep]->name + " use each other");
      state[dep] = 1;
      stack.emplace_back(dep, 0);
    }
  }
  return {};
}

}  // namespace posta::spam
