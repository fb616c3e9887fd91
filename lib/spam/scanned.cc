#include "spam/scanned.h"

namespace posta::spam {

void add_virus_result(const scan::ClamdResult& r, Analysis& a) {
  using K = scan::ClamdResult::Kind;
  switch (r.kind) {
    case K::clean: return;
    case K::virus:
      a.fired.push_back({"VIRUS", 0, r.detail});
      a.hard = Analysis::Hard::kVirus;
      a.hard_text = r.detail;
      return;
    case K::unavailable:
    case K::error:
      a.virus_unscanned = "clamd " + describe(r);
      a.fired.push_back({"VIRUS_UNSCANNED", 0, a.virus_unscanned});
      return;
  }
}

void add_attachment_report(const scan::AttachmentReport& r, scan::AttachmentPolicy::Action action, Analysis& a) {
  if (!r.blocked()) return;
  for (auto& f : r.findings) a.fired.push_back({"ATTACHMENT_BLOCKED", 0, scan::describe(f)});
  if (action == scan::AttachmentPolicy::Action::quarantine) {
    a.quarantine = true;
    return;
  }
  if (a.hard == Analysis::Hard::kVirus) return;
  a.hard = Analysis::Hard::kPolicy;
  a.hard_text = "blocked attachment " + scan::describe(r.findings.front());
  if (r.findings.size() > 1) a.hard_text += " (and " + std::to_string(r.findings.size() - 1) + " more)";
}

}  // namespace posta::spam
