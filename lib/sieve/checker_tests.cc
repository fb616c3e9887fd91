// Tests: address, envelope, header, exists, size, body, string, date, currentdate,
// hasflag, mailboxexists, and the logical ones.
#include "sieve/checker_impl.h"

namespace posta::sieve::check_impl {

namespace {

bool valid_header_name(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u <= 32 || u >= 127 || c == ':') return false;
  }
  return true;
}

bool valid_date_part(std::string_view p) {
  static const char* parts[] = {"year", "month", "day", "date", "julian", "hour", "minute", "second",
                                "time", "iso8601", "std11", "zone", "weekday"};
  for (const char* q : parts) {
    if (p == q) return true;
  }
  return false;
}

struct TestBuilder {
  Checker& c;
  const TestNode& n;
  Test t;
  Args args;
  bool match_seen = false, comparator_seen = false;

  TestBuilder(Checker& ch, const TestNode& node) : c(ch), n(node), args(node.args, "test \"" + node.name + "\"") {
    t.pos = node.pos;
  }

  Status no_subtests() {
    if (!n.tests.empty()) return error_at(n.tests[0].pos, "test \"" + n.name + "\" takes no tests");
    return {};
  }

  // Tags for tests with a match: comparator, match type, and optionally address part/index.
  Status match_tags(bool address_part, bool index,
                    const std::function<Result<bool>(const Argument&)>& extra = nullptr) {
    while (args.at_tag()) {
      const Argument& tag = args.take();
      POSTA_TRY(bool used, common_tag(c, args, tag, t.match, match_seen, comparator_seen,
                                      address_part ? &t.part : nullptr, index ? &t : nullptr));
      if (used) continue;
      if (extra) {
        POSTA_TRY(bool e, extra(tag));
        if (e) continue;
      }
      return args.unknown_tag(tag);
    }
    if (t.last && t.index == 0) return error_at(n.pos, ":last needs :index");
    return {};
  }

  Status header_names(std::string_view what) {
    POSTA_TRY(auto names, args.strings(n.pos, what));
    for (const auto& h : names) {
      if (!(c.variables && has_variable_reference_impl(h)) && !valid_header_name(h))
        return error_at(n.pos, "invalid header name \"" + h + "\"");
    }
    t.names = c.strs(names);
    return {};
  }

  Status keys() {
    POSTA_TRY(auto k, args.strings(n.pos, "a key list"));
    t.match.keys = c.strs(k);
    if (auto s = args.end(n.pos); !s) return s;
    return finish_match(c, t.match, n.pos, comparator_seen);
  }
};

}  // namespace

Result<Test> Checker::test(const TestNode& n, unsigned depth) {
  if (depth > limits.max_nesting) return error_at(n.pos, "nesting too deep");
  TestBuilder b(*this, n);
  Test& t = b.t;
  Args& args = b.args;
  const std::string& name = n.name;
  if (name == "true" || name == "false") {
    t.kind = name == "true" ? Test::kTrue : Test::kFalse;
    if (auto s = args.end(n.pos); !s) return std::unexpected(s.error());
    if (auto s = b.no_subtests(); !s) return std::unexpected(s.error());
    return t;
  }
  if (name == "not" || name == "allof" || name == "anyof") {
    t.kind = name == "not" ? Test::kNot : name == "allof" ? Test::kAllof : Test::kAnyof;
    if (auto s = args.end(n.pos); !s) return std::unexpected(s.error());
    if (n.tests.empty()) return error_at(n.pos, "test \"" + name + "\" needs a test");
    if (t.kind == Test::kNot && n.tests.size() != 1) return error_at(n.pos, "test \"not\" takes one test");
    for (const auto& sub : n.tests) {
      POSTA_TRY(Test st, test(sub, depth + 1));
      t.tests.push_back(std::move(st));
    }
    return t;
  }
  if (auto s = b.no_subtests(); !s) return std::unexpected(s.error());
  Status st;
  if (name == "address") {
    t.kind = Test::kAddress;
    if (!(st = b.match_tags(true, true))) return std::unexpected(st.error());
    if (!(st = b.header_names("a header list"))) return std::unexpected(st.error());
  } else if (name == "envelope") {
    t.kind = Test::kEnvelope;
    if (!(st = need("envelope", n.pos, "test \"envelope\""))) return std::unexpected(st.error());
    if (!(st = b.match_tags(true, false))) return std::unexpected(st.error());
    POSTA_TRY(auto parts, args.strings(n.pos, "an envelope part list"));
    for (auto& p : parts) {
      std::string l = lower(p);
      if (l != "from" && l != "to" && l != "orig_to" && !(variables && has_variable_reference_impl(p)))
        return error_at(n.pos, "unknown envelope part \"" + p + "\"");
    }
    t.names = strs(parts);
  } else if (name == "header") {
    t.kind = Test::kHeader;
    if (!(st = b.match_tags(false, true))) return std::unexpected(st.error());
    if (!(st = b.header_names("a header list"))) return std::unexpected(st.error());
  } else if (name == "exists") {
    t.kind = Test::kExists;
    if (args.at_tag()) return args.unknown_tag(args.peek());
    if (!(st = b.header_names("a header list"))) return std::unexpected(st.error());
    if (!(st = args.end(n.pos))) return std::unexpected(st.error());
    return t;
  } else if (name == "size") {
    t.kind = Test::kSize;
    if (!args.at_tag()) return error_at(n.pos, "test \"size\" needs :over or :under");
    const Argument& tag = args.take();
    if (tag.tag != "over" && tag.tag != "under") return args.unknown_tag(tag);
    t.over = tag.tag == "over";
    POSTA_TRY(t.limit, args.number(n.pos, "a size"));
    if (!(st = args.end(n.pos))) return std::unexpected(st.error());
    return t;
  } else if (name == "body") {
    t.kind = Test::kBody;
    if (!(st = need("body", n.pos, "test \"body\""))) return std::unexpected(st.error());
    bool transform_seen = false;
    st = b.match_tags(false, false, [&](const Argument& tag) -> Result<bool> {
      if (tag.tag != "raw" && tag.tag != "text" && tag.tag != "content") return false;
      if (transform_seen) return error_at(tag.pos, "more than one body transform");
      transform_seen = true;
      if (tag.tag == "raw") t.transform = BodyTransform::kRaw;
      if (tag.tag == "text") t.transform = BodyTransform::kText;
      if (tag.tag == "content") {
        t.transform = BodyTransform::kContent;
        POSTA_TRY(auto types, args.tag_strings(tag));
        t.content_types = strs(types);
      }
      return true;
    });
    if (!st) return std::unexpected(st.error());
  } else if (name == "string") {
    t.kind = Test::kString;
    if (!(st = need("variables", n.pos, "test \"string\""))) return std::unexpected(st.error());
    if (!(st = b.match_tags(false, false))) return std::unexpected(st.error());
    POSTA_TRY(auto src, args.strings(n.pos, "a source list"));
    t.names = strs(src);
  } else if (name == "date" || name == "currentdate") {
    t.kind = name == "date" ? Test::kDate : Test::kCurrentdate;
    if (!(st = need("date", n.pos, "test \"" + name + "\""))) return std::unexpected(st.error());
    st = b.match_tags(false, t.kind == Test::kDate, [&](const Argument& tag) -> Result<bool> {
      if (tag.tag == "zone") {
        if (t.zone_given) return error_at(tag.pos, "more than one zone");
        POSTA_TRY(std::string z, args.tag_string(tag));
        t.zone_given = true;
        t.zone = str(z);
        return true;
      }
      if (tag.tag == "originalzone" && t.kind == Test::kDate) {
        if (t.zone_given) return error_at(tag.pos, "more than one zone");
        t.zone_given = t.original_zone = true;
        return true;
      }
      return false;
    });
    if (!st) return std::unexpected(st.error());
    if (t.kind == Test::kDate) {
      POSTA_TRY(std::string h, args.string(n.pos, "a header name"));
      if (!valid_header_name(h) && !(variables && has_variable_reference_impl(h)))
        return error_at(n.pos, "invalid header name \"" + h + "\"");
      t.names = {str(h)};
    }
    POSTA_TRY(std::string part, args.string(n.pos, "a date part"));
    if (!(variables && has_variable_reference_impl(part)) && !valid_date_part(lower(part)))
      return error_at(n.pos, "unknown date part \"" + part + "\"");
    t.date_part = str(lower(part));
  } else if (name == "hasflag") {
    t.kind = Test::kHasflag;
    if (!(st = need("imap4flags", n.pos, "test \"hasflag\""))) return std::unexpected(st.error());
    if (!(st = b.match_tags(false, false))) return std::unexpected(st.error());
    POSTA_TRY(auto first, args.strings(n.pos, "a flag list"));
    if (!args.done()) {
      if (!(st = need("variables", n.pos, "hasflag with a variable list"))) return std::unexpected(st.error());
      t.names = strs(first);
      POSTA_TRY(auto k, args.strings(n.pos, "a flag list"));
      t.match.keys = strs(k);
    } else {
      t.match.keys = strs(first);
    }
    if (!(st = args.end(n.pos))) return std::unexpected(st.error());
    if (!(st = finish_match(*this, t.match, n.pos, b.comparator_seen))) return std::unexpected(st.error());
    return t;
  } else if (name == "mailboxexists") {
    t.kind = Test::kMailboxexists;
    if (!(st = need("mailbox", n.pos, "test \"mailboxexists\""))) return std::unexpected(st.error());
    if (args.at_tag()) return args.unknown_tag(args.peek());
    POSTA_TRY(auto names, args.strings(n.pos, "a mailbox list"));
    t.names = strs(names);
    if (!(st = args.end(n.pos))) return std::unexpected(st.error());
    return t;
  } else {
    return error_at(n.pos, "unknown test \"" + name + "\"");
  }
  if (!(st = b.keys())) return std::unexpected(st.error());
  return t;
}

}  // namespace posta::sieve::check_impl
