// The decoded view of a message that the rules see (posta-spamrules(5) "WHAT RULES SEE"):
// its top-level header fields, the text of its text parts decoded to UTF-8 (HTML reduced to
// text), the URLs found in them and the content types of its leaves. Every piece has a size
// limit, so a hostile message costs bounded memory and time.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "mime/message.h"

namespace posta::spam {

struct ContentLimits {
  size_t max_part_text = 256 << 10;   // decoded text kept of one part
  size_t max_total_text = 2 << 20;    // decoded text kept of all parts
  size_t max_uris = 1000;
  size_t max_uri = 2048;
  mime::Limits mime;
};

struct Content {
  std::string header_block;                // the top-level header block, as written
  std::vector<mime::HeaderField> headers;  // its fields, unfolded
  std::vector<std::string> texts;          // decoded Subject, then each text part as text
  std::vector<std::string> uris;           // in order found, no duplicates
  std::string types;                       // the leaves' content types: "text/plain text/html"
  size_t text_parts = 0, html_parts = 0;
  bool truncated = false;                  // a limit left something out
};

// message: CRLF line ends (mime::to_crlf).
Content extract_content(std::string_view message, const ContentLimits& limits = {});

// The text of an HTML document: tags removed, <script> and <style> content dropped, the
// common entities decoded; the href= and src= values of its tags go to links when not null.
std::string html_to_text(std::string_view html, std::vector<std::string>* links = nullptr);

// Appends the http://, https:// and www. URLs of text to out (no duplicates), up to limits.
void find_uris(std::string_view text, std::vector<std::string>& out, const ContentLimits& limits = {});

}  // namespace posta::spam
