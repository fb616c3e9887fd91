// ENVELOPE and BODY/BODYSTRUCTURE response data (RFC 3501 7.4.2) from a parsed message.
#pragma once
#include <string>
#include <vector>

#include "mime/message.h"

namespace posta::imap {

std::string envelope(const std::vector<mime::HeaderField>& headers);
// extended: BODYSTRUCTURE (with extension data); false: BODY.
std::string body_structure(const mime::Part& part, bool extended);

}  // namespace posta::imap
