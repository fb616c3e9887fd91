#include "dmarc/orgdomain.h"

#include <libpsl.h>

#include "base/strings.h"

namespace posta::dmarc {
namespace {

// Loaded once a process and kept: the list is read-only after loading.
const psl_ctx_t* psl() {
  static const psl_ctx_t* ctx = [] {
    const psl_ctx_t* latest = psl_latest(nullptr);
    return latest ? latest : psl_builtin();
  }();
  return ctx;
}

std::string canonical(std::string_view d) {
  std::string s = lower(std::string(d));
  while (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

}  // namespace

std::string organizational_domain(std::string_view domain) {
  std::string d = canonical(domain);
  const char* reg = psl() ? psl_registrable_domain(psl(), d.c_str()) : nullptr;
  return reg ? std::string(reg) : d;
}

bool aligned(std::string_view a, std::string_view b, bool strict) {
  std::string ca = canonical(a), cb = canonical(b);
  if (ca.empty() || cb.empty()) return false;
  if (strict) return ca == cb;
  return organizational_domain(ca) == organizational_domain(cb);
}

}  // namespace posta::dmarc
