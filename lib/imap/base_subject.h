// The base subject of RFC 5256 2.1, which SORT SUBJECT and THREAD compare.
#pragma once
#include <string>
#include <string_view>

namespace posta::imap {

struct BaseSubject {
  std::string text;          // UTF-8, single spaces, leaders and trailers removed
  bool reply_or_fwd = false;  // a subj-refwd, "(fwd)" trailer or "[fwd: ...]" was removed
};

// raw: the Subject header value as written (encoded words are decoded here).
BaseSubject base_subject(std::string_view raw);

// The key that i;ascii-casemap (RFC 4790) compares: ASCII letters upper-cased.
std::string ascii_casemap(std::string_view s);

}  // namespace posta::imap
