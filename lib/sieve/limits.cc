#include <algorithm>

#include "control/control.h"
#include "sieve/sieve.h"

namespace posta::sieve {

Limits Limits::from_control(const Control& control) {
  Limits l;
  long long redirects = control.number("sievemaxredirects", l.max_redirects);
  if (redirects >= 0) l.max_redirects = static_cast<unsigned>(std::min<long long>(redirects, l.max_actions));
  return l;
}

}  // namespace posta::sieve
