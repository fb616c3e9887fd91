#include "fts/message_text.h"

#include "io/fd.h"
#include "mailsearch/text.h"
#include "mime/decode.h"
#include "mime/message.h"

namespace posta::fts {

MessageText message_text(std::string_view data) {
  MessageText out;
  std::string crlf = mime::to_crlf(data);
  mime::Part root = mime::parse(crlf);
  std::string headers;
  for (const auto& h : root.headers) headers += h.name + ": " + mime::decode_words(h.value) + "\n";
  std::string body = mailsearch::body_text(root, crlf);
  if (headers.size() + body.size() > kMaxTextBytes) {
    out.partial = true;
    return out;
  }
  out.headers = mime::fold(headers);
  out.body = mime::fold(body);
  return out;
}

MessageText message_text_of_file(const std::string& path) {
  auto data = read_file(path, kMaxMessageBytes);
  MessageText partial;
  partial.partial = true;
  if (!data) return partial;
  return message_text(*data);
}

}  // namespace posta::fts
