#include "sieve/regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

namespace posta::sieve {

namespace {

constexpr size_t kMaxPattern = 4096;
constexpr uint32_t kDepthLimit = 2000;
constexpr uint32_t kHeapLimitKib = 4096;

struct MatchData {
  pcre2_match_data* data = nullptr;
  pcre2_match_context* ctx = nullptr;
  ~MatchData() {
    if (data) pcre2_match_data_free(data);
    if (ctx) pcre2_match_context_free(ctx);
  }
};

pcre2_code* code_of(void* p) { return static_cast<pcre2_code*>(p); }

}  // namespace

Regex::~Regex() { pcre2_code_free(code_of(code_)); }

Result<std::shared_ptr<const Regex>> Regex::compile(std::string_view pattern, bool caseless) {
  if (pattern.size() > kMaxPattern) return fail("regular expression too long");
  int err = 0;
  PCRE2_SIZE off = 0;
  uint32_t opts = PCRE2_DOLLAR_ENDONLY | (caseless ? PCRE2_CASELESS : 0u);
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), opts,
                                   &err, &off, nullptr);
  if (!code) {
    PCRE2_UCHAR buf[256];
    pcre2_get_error_message(err, buf, sizeof buf);
    return fail("invalid regular expression \"" + std::string(pattern) + "\": " +
                reinterpret_cast<const char*>(buf));
  }
  return std::shared_ptr<const Regex>(new Regex(code));
}

Result<bool> Regex::match(std::string_view s, uint32_t match_limit, std::vector<std::string>* groups) const {
  MatchData md;
  md.ctx = pcre2_match_context_create(nullptr);
  md.data = pcre2_match_data_create_from_pattern(code_of(code_), nullptr);
  if (!md.ctx || !md.data) return fail("out of memory for a regular expression match");
  pcre2_set_match_limit(md.ctx, match_limit);
  pcre2_set_depth_limit(md.ctx, kDepthLimit);
  pcre2_set_heap_limit(md.ctx, kHeapLimitKib);
  int rc = pcre2_match(code_of(code_), reinterpret_cast<PCRE2_SPTR>(s.data()), s.size(), 0, 0, md.data, md.ctx);
  if (rc == PCRE2_ERROR_NOMATCH) return false;
  if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT || rc == PCRE2_ERROR_HEAPLIMIT)
    return fail("regular expression match limit reached");
  if (rc < 0) return false;  // e.g. invalid UTF-8 cannot occur without PCRE2_UTF; treat as no match
  if (groups) {
    groups->clear();
    PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md.data);
    for (int g = 0; g < rc && g < 10; ++g) {
      if (ov[2 * g] == PCRE2_UNSET) {
        groups->emplace_back();
      } else {
        groups->emplace_back(s.substr(ov[2 * g], ov[2 * g + 1] - ov[2 * g]));
      }
    }
  }
  return true;
}

}  // namespace posta::sieve
