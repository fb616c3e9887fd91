// Argument handling shared by every command and test: positional and tagged arguments,
// comparators, match types, address parts, :index.
#include "sieve/checker_impl.h"
#include "sieve/regex.h"

namespace posta::sieve::check_impl {

std::unexpected<Error> error_at(Position p, std::string_view m) { return fail(located(p, m)); }

Status Checker::need(std::string_view ext, Position p, std::string_view what) const {
  if (has(ext)) return {};
  return error_at(p, std::string(what) + " needs require \"" + std::string(ext) + "\"");
}

bool has_variable_reference_impl(std::string_view s) { return s.find("${") != std::string_view::npos; }

Str Checker::str(const std::string& s) const { return Str{s, variables && has_variable_reference_impl(s)}; }

StrList Checker::strs(const std::vector<std::string>& v) const {
  StrList out;
  out.reserve(v.size());
  for (const auto& s : v) out.push_back(str(s));
  return out;
}

Result<std::string> Args::tag_string(const Argument& tag) {
  if (done() || peek().kind != Argument::kStrings || peek().bracketed || peek().strings.size() != 1)
    return error_at(tag.pos, "tag :" + tag.tag + " of " + what_ + " needs a string");
  return take().strings[0];
}

Result<std::vector<std::string>> Args::tag_strings(const Argument& tag) {
  if (done() || peek().kind != Argument::kStrings)
    return error_at(tag.pos, "tag :" + tag.tag + " of " + what_ + " needs a string list");
  return take().strings;
}

Result<uint64_t> Args::tag_number(const Argument& tag) {
  if (done() || peek().kind != Argument::kNumber)
    return error_at(tag.pos, "tag :" + tag.tag + " of " + what_ + " needs a number");
  return take().number;
}

Result<std::string> Args::string(Position p, std::string_view name) {
  if (done()) return error_at(p, what_ + " needs " + std::string(name) + " (a string)");
  if (at_tag()) return unknown_tag(peek());
  if (peek().kind != Argument::kStrings || peek().bracketed || peek().strings.size() != 1)
    return error_at(peek().pos, what_ + ": " + std::string(name) + " must be a single string");
  return take().strings[0];
}

Result<std::vector<std::string>> Args::strings(Position p, std::string_view name) {
  if (done()) return error_at(p, what_ + " needs " + std::string(name) + " (a string list)");
  if (at_tag()) return unknown_tag(peek());
  if (peek().kind != Argument::kStrings)
    return error_at(peek().pos, what_ + ": " + std::string(name) + " must be a string list");
  return take().strings;
}

Result<uint64_t> Args::number(Position p, std::string_view name) {
  if (done()) return error_at(p, what_ + " needs " + std::string(name) + " (a number)");
  if (at_tag()) return unknown_tag(peek());
  if (peek().kind != Argument::kNumber) return error_at(peek().pos, what_ + ": " + std::string(name) + " must be a number");
  return take().number;
}

Status Args::end(Position p) {
  if (done()) return {};
  if (at_tag()) return unknown_tag(peek());
  return error_at(pos_or(p), "too many arguments for " + what_);
}

std::unexpected<Error> Args::unknown_tag(const Argument& tag) const {
  return error_at(tag.pos, "unknown tagged argument \":" + tag.tag + "\" for " + what_);
}

namespace {

Result<Relation> relation(const std::string& r, Position p) {
  if (r == "gt") return Relation::kGt;
  if (r == "ge") return Relation::kGe;
  if (r == "lt") return Relation::kLt;
  if (r == "le") return Relation::kLe;
  if (r == "eq") return Relation::kEq;
  if (r == "ne") return Relation::kNe;
  return error_at(p, "unknown relational operator \"" + r + "\"");
}

}  // namespace

Result<bool> common_tag(Checker& c, Args& args, const Argument& tag, MatchSpec& m, bool& match_seen,
                        bool& comparator_seen, AddressPart* part, Test* index_of) {
  const std::string& t = tag.tag;
  auto set_match = [&](MatchType mt) -> Status {
    if (match_seen) return error_at(tag.pos, "more than one match type for " + args.what());
    match_seen = true;
    m.type = mt;
    return {};
  };
  if (t == "is" || t == "contains" || t == "matches") {
    if (auto s = set_match(t == "is" ? MatchType::kIs : t == "contains" ? MatchType::kContains : MatchType::kMatches); !s)
      return std::unexpected(s.error());
    return true;
  }
  if (t == "regex") {
    if (auto s = c.need("regex", tag.pos, "match type :regex"); !s) return std::unexpected(s.error());
    if (auto s = set_match(MatchType::kRegex); !s) return std::unexpected(s.error());
    return true;
  }
  if (t == "value" || t == "count") {
    if (auto s = c.need("relational", tag.pos, "match type :" + t); !s) return std::unexpected(s.error());
    if (auto s = set_match(t == "value" ? MatchType::kValue : MatchType::kCount); !s) return std::unexpected(s.error());
    POSTA_TRY(std::string r, args.tag_string(tag));
    POSTA_TRY(m.relation, relation(r, tag.pos));
    return true;
  }
  if (t == "comparator") {
    if (comparator_seen) return error_at(tag.pos, "more than one comparator for " + args.what());
    comparator_seen = true;
    POSTA_TRY(std::string name, args.tag_string(tag));
    if (name == "i;octet") {
      m.comparator = Comparator::kOctet;
    } else if (name == "i;ascii-casemap") {
      m.comparator = Comparator::kAsciiCasemap;
    } else if (name == "i;ascii-numeric") {
      if (auto s = c.need("comparator-i;ascii-numeric", tag.pos, "comparator \"i;ascii-numeric\""); !s)
        return std::unexpected(s.error());
      m.comparator = Comparator::kAsciiNumeric;
    } else {
      return error_at(tag.pos, "unknown comparator \"" + name + "\"");
    }
    return true;
  }
  if (part && (t == "all" || t == "localpart" || t == "domain" || t == "user" || t == "detail")) {
    if (t == "user" || t == "detail") {
      if (auto s = c.need("subaddress", tag.pos, "address part :" + t); !s) return std::unexpected(s.error());
    }
    *part = t == "localpart" ? AddressPart::kLocalpart
            : t == "domain"  ? AddressPart::kDomain
            : t == "user"    ? AddressPart::kUser
            : t == "detail"  ? AddressPart::kDetail
                             : AddressPart::kAll;
    return true;
  }
  if (index_of && (t == "index" || t == "last")) {
    if (auto s = c.need("index", tag.pos, "tag :" + t); !s) return std::unexpected(s.error());
    if (t == "last") {
      index_of->last = true;
    } else {
      POSTA_TRY(uint64_t n, args.tag_number(tag));
      if (n == 0 || n > 1000000) return error_at(tag.pos, ":index must be between 1 and 1000000");
      index_of->index = static_cast<unsigned>(n);
    }
    return true;
  }
  return false;
}

Status finish_match(Checker& c, MatchSpec& m, Position p, bool comparator_seen) {
  (void)comparator_seen;
  if (m.comparator == Comparator::kAsciiNumeric &&
      (m.type == MatchType::kContains || m.type == MatchType::kMatches || m.type == MatchType::kRegex))
    return error_at(p, "comparator \"i;ascii-numeric\" does not support substring or pattern matching");
  if (m.type == MatchType::kRegex) {
    m.regexes.reserve(m.keys.size());
    for (const auto& k : m.keys) {
      if (k.vars) {
        m.regexes.push_back(nullptr);
        continue;
      }
      auto re = Regex::compile(k.text, m.comparator == Comparator::kAsciiCasemap);
      if (!re) return error_at(p, re.error().what);
      m.regexes.push_back(std::move(*re));
    }
  }
  (void)c;
  return {};
}

}  // namespace posta::sieve::check_impl

namespace posta::sieve {
bool has_variable_reference(std::string_view s) { return check_impl::has_variable_reference_impl(s); }
}  // namespace posta::sieve
