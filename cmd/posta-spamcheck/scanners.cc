// The scanners of an instance: clamd (control/clamd) and the attachment policy
// (control/attachmentpolicy); each is off while its control file is absent.
#include "spamcheck.h"

namespace posta::spamcheck {

void load_scanners(const Control& ctl, Checks& checks) {
  auto clamd = scan::ClamdConfig::load(ctl);
  if (!clamd) {
    checks.trouble = clamd.error().what;
    return;
  }
  checks.clamd = std::move(*clamd);
  auto attachments = scan::AttachmentPolicy::load(ctl);
  if (!attachments) {
    checks.trouble = attachments.error().what;
    return;
  }
  checks.attachments = std::move(*attachments);
}

}  // namespace posta::spamcheck
