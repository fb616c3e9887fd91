#include "imap/base_subject.h"

#include "mime/decode.h"

namespace posta::imap {
namespace {

bool is_wsp(char c) { return c == ' ' || c == '\t'; }
char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool starts_with_nocase(std::string_view s, size_t at, std::string_view prefix) {
  if (s.size() - at < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i)
    if (lower(s[at + i]) != prefix[i]) return false;
  return true;
}

// subj-blob = "[" *BLOBCHAR "]" *WSP: the end of the blob at at, or npos.
size_t blob_end(std::string_view s, size_t at) {
  if (at >= s.size() || s[at] != '[') return std::string_view::npos;
  size_t close = s.find_first_of("[]", at + 1);
  if (close == std::string_view::npos || s[close] != ']') return std::string_view::npos;
  size_t i = close + 1;
  while (i < s.size() && is_wsp(s[i])) ++i;
  return i;
}

// subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":": its end at at, or npos.
size_t refwd_end(std::string_view s, size_t at) {
  size_t i;
  if (starts_with_nocase(s, at, "re")) i = at + 2;
  else if (starts_with_nocase(s, at, "fwd")) i = at + 3;
  else if (starts_with_nocase(s, at, "fw")) i = at + 2;
  else return std::string_view::npos;
  while (i < s.size() && is_wsp(s[i])) ++i;
  if (size_t b = blob_end(s, i); b != std::string_view::npos) i = b;
  return i < s.size() && s[i] == ':' ? i + 1 : std::string_view::npos;
}

// Step 1: decoded, tabs and line ends as spaces, runs of spaces as one.
std::string normalise(std::string_view raw) {
  std::string decoded = mime::decode_words(raw), out;
  out.reserve(decoded.size());
  for (char c : decoded) {
    if (c == '\t' || c == '\r' || c == '\n') c = ' ';
    if (c == ' ' && !out.empty() && out.back() == ' ') continue;
    out += c;
  }
  return out;
}

}  // namespace

BaseSubject base_subject(std::string_view raw) {
  BaseSubject r;
  std::string s = normalise(raw);
  std::string_view v = s;
  for (;;) {
    // (2) subj-trailer = "(fwd)" / WSP, repeatedly.
    for (;;) {
      if (!v.empty() && is_wsp(v.back())) v.remove_suffix(1);
      else if (v.size() >= 5 && starts_with_nocase(v, v.size() - 5, "(fwd)")) {
        v.remove_suffix(5);
        r.reply_or_fwd = true;
      } else break;
    }
    // (3)-(5) subj-leader = (*subj-blob subj-refwd) / WSP, and a lone subj-blob that does
    // not make up the whole rest.
    for (bool again = true; again;) {
      again = false;
      if (!v.empty() && is_wsp(v.front())) {
        v.remove_prefix(1);
        again = true;
        continue;
      }
      size_t i = 0;
      for (size_t b; (b = blob_end(v, i)) != std::string_view::npos;) i = b;
      if (size_t e = refwd_end(v, i); e != std::string_view::npos) {
        v.remove_prefix(e);
        r.reply_or_fwd = true;
        again = true;
        continue;
      }
      if (size_t b = blob_end(v, 0); b != std::string_view::npos && b < v.size()) {
        v.remove_prefix(b);
        again = true;
      }
    }
    // (6) subj-fwd = "[fwd:" subj-base "]"
    if (v.size() >= 6 && starts_with_nocase(v, 0, "[fwd:") && v.back() == ']') {
      v.remove_prefix(5);
      v.remove_suffix(1);
      r.reply_or_fwd = true;
      continue;
    }
    break;
  }
  r.text = std::string(v);
  return r;
}

std::string ascii_casemap(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

}  // namespace posta::imap
