// Test evaluation: each test gathers its values, then one match loop compares them with
// the keys (RFC 5228 section 2.7: true when any value matches any key).
#include <ctime>

#include "base/strings.h"
#include "sieve/dates.h"
#include "sieve/interp.h"
#include "sieve/regex.h"

namespace posta::sieve {

class TestEval {
 public:
  TestEval(Runner& r, Scope& s) : r_(r), s_(s) {}

  Result<bool> matches(const MatchSpec& m, const std::vector<std::string>& values, bool count_empty = true) {
    std::vector<std::string> keys = r_.expand_all(m.keys, s_);
    if (m.type == MatchType::kCount) {
      size_t n = 0;
      for (const auto& v : values) n += count_empty || !v.empty();
      std::string count = std::to_string(n);
      for (const auto& k : keys) {
        if (relation_holds(m.relation, count, k, m.comparator)) return true;
      }
      return false;
    }
    bool want_captures = s_.program->variables && (m.type == MatchType::kMatches || m.type == MatchType::kRegex);
    std::vector<std::string> captures;
    std::vector<std::shared_ptr<const Regex>> runtime_regexes;
    if (m.type == MatchType::kRegex) {
      for (size_t i = 0; i < keys.size(); ++i) {
        if (i < m.regexes.size() && m.regexes[i]) {
          runtime_regexes.push_back(m.regexes[i]);
          continue;
        }
        auto re = Regex::compile(keys[i], m.comparator == Comparator::kAsciiCasemap);
        if (!re) return fail(re.error().what);
        runtime_regexes.push_back(std::move(*re));
      }
    }
    for (const auto& v : values) {
      for (size_t i = 0; i < keys.size(); ++i) {
        const Regex* re = m.type == MatchType::kRegex ? runtime_regexes[i].get() : nullptr;
        POSTA_TRY(bool hit, match_one(m, v, keys[i], re, r_.budget_, want_captures ? &captures : nullptr));
        if (hit) {
          if (want_captures) r_.set_match_vars(std::move(captures));
          return true;
        }
      }
    }
    return false;
  }

  static std::vector<std::string> select(std::vector<std::string> v, const Test& t) {
    if (t.index == 0) return v;
    if (t.index > v.size()) return {};
    return {v[t.last ? v.size() - t.index : t.index - 1]};
  }

  std::optional<std::string> part_of(std::string_view address, AddressPart part) {
    return address_part(address, part, r_.msg_.message().subaddress_separators);
  }

  std::vector<std::string> parts_of(const std::vector<std::string>& addresses, AddressPart part) {
    std::vector<std::string> out;
    for (const auto& a : addresses) {
      if (auto p = part_of(a, part)) out.push_back(std::move(*p));
    }
    return out;
  }

  Result<bool> eval(const Test& t) {
    const MessageView& msg = r_.msg_;
    std::vector<std::string> values;
    switch (t.kind) {
      case Test::kTrue: return true;
      case Test::kFalse: return false;
      case Test::kNot: {
        POSTA_TRY(bool v, r_.test(t.tests[0], s_));
        return !v;
      }
      case Test::kAllof:
      case Test::kAnyof:
        for (const auto& sub : t.tests) {
          POSTA_TRY(bool v, r_.test(sub, s_));
          if (t.kind == Test::kAllof && !v) return false;
          if (t.kind == Test::kAnyof && v) return true;
        }
        return t.kind == Test::kAllof;
      case Test::kExists:
        for (const auto& n : r_.expand_all(t.names, s_)) {
          if (!msg.has_header(n)) return false;
        }
        return true;
      case Test::kSize:
        return t.over ? msg.size() > t.limit : msg.size() < t.limit;
      case Test::kHeader:
        for (const auto& n : r_.expand_all(t.names, s_)) {
          for (auto& v : select(msg.header(n, true), t)) values.push_back(std::move(v));
        }
        return matches(t.match, values);
      case Test::kAddress:
        for (const auto& n : r_.expand_all(t.names, s_)) {
          for (const auto& v : select(msg.raw_header(n), t)) {
            for (auto& p : parts_of(header_addresses(v), t.part)) values.push_back(std::move(p));
          }
        }
        return matches(t.match, values);
      case Test::kEnvelope: {
        const Message& m = msg.message();
        for (const auto& n : r_.expand_all(t.names, s_)) {
          std::string l = lower(n);
          if (l == "from") {
            // the null sender: every part is "" (RFC 5228 section 5.4)
            if (m.envelope_from.empty()) {
              values.emplace_back();
            } else if (auto p = part_of(m.envelope_from, t.part)) {
              values.push_back(std::move(*p));
            }
          } else if (l == "to" || l == "orig_to") {
            const std::string& a = l == "orig_to" && !m.envelope_orig_to.empty() ? m.envelope_orig_to : m.envelope_to;
            if (auto p = part_of(a, t.part)) values.push_back(std::move(*p));
          }
        }
        return matches(t.match, values);
      }
      case Test::kBody:
        return matches(t.match, msg.body(t.transform, r_.expand_all(t.content_types, s_)));
      case Test::kString:
        return matches(t.match, r_.expand_all(t.names, s_), false);
      case Test::kDate:
      case Test::kCurrentdate:
        return date(t);
      case Test::kHasflag: {
        std::vector<std::string> lists;
        if (t.names.empty()) {
          lists.push_back(r_.flags_);
        } else {
          for (const auto& n : r_.expand_all(t.names, s_)) lists.push_back(r_.flag_variable(s_, lower(n)));
        }
        return matches(t.match, Runner::flag_list(lists));
      }
      case Test::kMailboxexists:
        for (const auto& n : r_.expand_all(t.names, s_)) {
          if (r_.opt_.mailbox_exists && !r_.opt_.mailbox_exists(n)) return false;
        }
        return true;
    }
    return false;
  }

  Result<bool> date(const Test& t) {
    std::optional<int> zone;
    if (t.zone_given && !t.original_zone) {
      zone = parse_zone(r_.expand(t.zone, s_));
      if (!zone) return false;  // RFC 5260 4.1: an invalid zone makes the test false
    }
    std::string part = r_.expand(t.date_part, s_);
    std::vector<std::string> values;
    auto add = [&](ZonedTime zt) {
      if (!t.original_zone) {
        zt.offset_minutes = zone ? *zone : r_.opt_.zone_known ? r_.opt_.zone_offset_minutes : local_offset_minutes(zt.utc);
      }
      values.push_back(date_part(zt, part));
    };
    if (t.kind == Test::kCurrentdate) {
      std::time_t now = r_.opt_.now ? static_cast<std::time_t>(r_.opt_.now) : std::time(nullptr);
      add(ZonedTime{now, 0});
    } else {
      std::string name = r_.expand(t.names[0], s_);
      bool received = iequals(name, "received");
      for (const auto& v : select(r_.msg_.raw_header(name), t)) {
        std::string_view text = v;
        if (received) {
          size_t semi = text.rfind(';');
          if (semi == std::string_view::npos) continue;
          text = text.substr(semi + 1);
        }
        if (auto zt = parse_mail_date(text)) add(*zt);
      }
    }
    if (values.empty()) return false;
    return matches(t.match, values);
  }

 private:
  Runner& r_;
  Scope& s_;
};

Result<bool> Runner::test(const Test& t, Scope& s) {
  if (auto st = budget_.charge(1); !st) return std::unexpected(st.error());
  return TestEval(*this, s).eval(t);
}

}  // namespace posta::sieve
