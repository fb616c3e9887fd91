// The tokens of a message for the statistical classifier (bayes.h): words of its decoded
// text parts (MIME decoded, charsets converted to UTF-8, HTML reduced to text), feature
// tokens of its HTML (links, hidden text, image-only), selected header tokens (From, To,
// Subject words, Received structure, Message-ID shape, mailer, part types, attachment
// names) and the domains of URLs. Each token once per message.
//
// Token forms (prefix, then the value: words as written, everything else lower-cased):
//   word                  a body word of 3 to 12 characters (punctuation around it removed)
//   bi:<word> <word>      two neighbouring body words (a skipped word breaks the chain)
//   skip:<c> <n>          a longer word: its first byte and its length rounded down to 10
//   subject: from: to: reply-to: filename:   words and addresses of those fields
//   url: url:dom: email:  hosts, registered domains, mail domains in text and HTML links
//   html: mime: received: message-id: x-mailer: header: content-type: charset: encoding:
//                         structure and features (see tokenize.cc)
// Tokens hold no byte below 0x20 and no DEL.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "mime/message.h"

namespace posta::spam {

// What one message may cost: a 30 MB message or a 10,000-part bomb is cut to these.
struct TokenizeLimits {
  size_t max_message = 8u << 20;     // bytes of the message parsed at all
  size_t max_part_text = 512u << 10; // decoded bytes of one text part tokenized
  size_t max_total_text = 2u << 20;  // decoded bytes tokenized over all parts
  size_t max_tokens = 3000;          // distinct tokens kept (the first ones found)
  size_t max_header_fields = 200;    // header fields of the message looked at
  mime::Limits mime{.max_depth = 20, .max_parts = 1000};
};

// The distinct tokens of message (LF or CRLF line ends), sorted.
std::vector<std::string> tokenize(std::string_view message, const TokenizeLimits& limits = {});

// "mail.example.co.uk" -> "example.co.uk": the last two labels, or three when the last is a
// two-letter country code under a short second level (co.uk, com.au, ne.jp).
std::string registered_domain(std::string_view host);

}  // namespace posta::spam
