// Evaluating a loaded RuleSet over a message's Content: every match under the PCRE2 limits.
#include <algorithm>

#include "base/strings.h"
#include "mime/decode.h"
#include "spam/rule_impl.h"

namespace posta::spam {

using rules_detail::Kind;
using rules_detail::MetaOp;

namespace {

struct MatchContextFree {
  void operator()(pcre2_match_context* c) const { pcre2_match_context_free(c); }
};
struct MatchDataFree {
  void operator()(pcre2_match_data* d) const { pcre2_match_data_free(d); }
};
struct JitStackFree {
  void operator()(pcre2_jit_stack* s) const { pcre2_jit_stack_free(s); }
};

class Matcher {
 public:
  Matcher(const RuleLimits& l, RuleStats& stats) : stats_(stats) {
    ctx_.reset(pcre2_match_context_create(nullptr));
    pcre2_set_match_limit(ctx_.get(), l.match_limit);
    pcre2_set_depth_limit(ctx_.get(), l.depth_limit);
    pcre2_set_heap_limit(ctx_.get(), l.heap_limit_kib);
    jit_stack_.reset(pcre2_jit_stack_create(32 << 10, 512 << 10, nullptr));
    if (jit_stack_) pcre2_jit_stack_assign(ctx_.get(), nullptr, jit_stack_.get());
    data_.reset(pcre2_match_data_create(1, nullptr));
  }
  bool operator()(const pcre2_code* code, std::string_view subject) {
    ++stats_.matches_run;
    int rc = pcre2_match(code, reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(), 0, 0, data_.get(), ctx_.get());
    if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT || rc == PCRE2_ERROR_HEAPLIMIT ||
        rc == PCRE2_ERROR_JIT_STACKLIMIT)
      ++stats_.limit_hits;
    return rc >= 0;
  }

 private:
  RuleStats& stats_;
  std::unique_ptr<pcre2_match_context, MatchContextFree> ctx_;
  std::unique_ptr<pcre2_jit_stack, JitStackFree> jit_stack_;
  std::unique_ptr<pcre2_match_data, MatchDataFree> data_;
};

// The value a header rule matches: every field of that name joined by "\n" ("" when none).
std::string header_subject(const RuleSet::Rule& r, const Content& c, bool& present) {
  present = false;
  if (r.field == ":types") {
    present = !c.types.empty();
    return c.types;
  }
  std::string out;
  bool all = r.field == "ALL";
  for (auto& h : c.headers) {
    if (!all && !iequals(h.name, r.field)) continue;
    present = true;
    if (all) out += h.name + ": " + (r.raw ? h.value : mime::decode_words(h.value)) + "\n";
    else out += (out.empty() ? "" : "\n") + (r.raw ? h.value : mime::decode_words(h.value));
  }
  return out;
}

bool eval_meta(const std::vector<MetaOp>& ops, const std::vector<char>& fired) {
  std::vector<char> st;
  st.reserve(ops.size());
  for (auto& op : ops) {
    if (op.type == MetaOp::kRule) {
      st.push_back(fired[op.rule]);
    } else if (op.type == MetaOp::kNot) {
      st.back() = !st.back();
    } else {
      char b = st.back();
      st.pop_back();
      st.back() = op.type == MetaOp::kAnd ? (st.back() && b) : (st.back() || b);
    }
  }
  return !st.empty() && st.back();
}

}  // namespace

void RuleSet::evaluate(const Content& c, Analysis& out, RuleStats* stats) const {
  RuleStats local;
  RuleStats& s = stats ? *stats : local;
  for (auto& t : c.texts)
    if (t.find(kGtube) != std::string::npos) {
      out.fired.push_back({"GTUBE", kGtubeScore, "Generic Test for Unsolicited Bulk Email"});
      break;
    }
  Matcher match(limits_, s);
  std::vector<char> fired(rules_.size(), 0);
  for (size_t i = 0; i < rules_.size(); ++i) {
    const Rule& r = *rules_[i];
    bool hit = false;
    if (r.kind == Kind::kHeader) {
      bool present = false;
      std::string v = header_subject(r, c, present);
      hit = r.exists ? present : match(r.code.get(), v) != r.negate;
    } else if (r.kind == Kind::kBody) {
      hit = std::any_of(c.texts.begin(), c.texts.end(), [&](const std::string& t) { return match(r.code.get(), t); });
    } else if (r.kind == Kind::kUri) {
      hit = std::any_of(c.uris.begin(), c.uris.end(), [&](const std::string& u) { return match(r.code.get(), u); });
    }
    fired[i] = hit;
  }
  for (size_t i : meta_order_) fired[i] = eval_meta(rules_[i]->meta, fired);
  for (size_t i = 0; i < rules_.size(); ++i) {
    const Rule& r = *rules_[i];
    if (!fired[i] || r.name.starts_with("__") || r.score == 0) continue;
    out.fired.push_back({r.name, r.score, r.description});
  }
}

}  // namespace posta::spam
