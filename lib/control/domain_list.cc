#include "control/domain_list.h"

namespace posta {

DomainList::DomainList(const std::vector<std::string>& entries) {
  entries_.reserve(entries.size());
  for (const auto& e : entries) entries_.push_back(lower(e));
}

DomainList DomainList::load(const Control& control, const std::string& name) {
  return DomainList(control.lines(name));
}

bool DomainList::contains(std::string_view domain_in) const {
  if (domain_in.empty()) return false;
  std::string domain = lower(std::string(domain_in));
  for (const auto& e : entries_) {
    if (e == domain) return true;
    if (e.size() > 1 && e[0] == '.' && domain.size() > e.size() && domain.ends_with(e)) return true;
  }
  return false;
}

}  // namespace posta
