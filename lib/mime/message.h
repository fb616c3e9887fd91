// MIME structure of a message (RFC 2045/2046/5322): offsets of every part's header and body,
// content type and parameters, nested multiparts and message/rfc822. One pass, no copies of
// bodies; depth and part count are limited so hostile input stays cheap.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace posta::mime {

struct HeaderField {
  std::string name;   // as written
  std::string value;  // unfolded (CRLF + WSP -> WSP), leading space trimmed
};

// Header fields of a header block (up to the blank line).
std::vector<HeaderField> parse_headers(std::string_view block);
// The first field with this name (case-insensitive); nullopt when absent.
std::optional<std::string> header_value(const std::vector<HeaderField>& h, std::string_view name);
// The lines (continuations included) of the header fields of block whose name (as written,
// trailing blanks removed) keep() accepts, up to the blank line; a line that would take the
// result past max bytes is left out.
std::string select_header_lines(std::string_view block, const std::function<bool(std::string_view)>& keep,
                                size_t max = std::string::npos);

using Params = std::vector<std::pair<std::string, std::string>>;

// "text/plain; charset=us-ascii" -> value "text/plain" and params (RFC 2231 continuations joined).
struct ParsedValue {
  std::string value;
  Params params;
};
ParsedValue parse_param_value(std::string_view s);

struct Part {
  size_t header_start = 0, body_start = 0, end = 0;  // offsets into the message
  std::vector<HeaderField> headers;
  std::string type = "text", subtype = "plain";  // lower-cased
  Params params;
  std::string id, description, encoding = "7bit", md5, language, location;
  bool has_id = false, has_description = false, has_md5 = false, has_language = false,
       has_location = false, has_encoding = false;
  std::string disposition;  // lower-cased, "" when none
  Params disposition_params;
  size_t lines = 0;           // body lines (text/* and message/rfc822)
  std::vector<Part> children; // multipart children, or the one embedded message
  bool multipart() const { return type == "multipart"; }
  bool rfc822() const { return type == "message" && (subtype == "rfc822" || subtype == "global"); }
  std::string param(std::string_view name) const;
  size_t body_size() const { return end - body_start; }
};

struct Limits {
  int max_depth = 30;
  size_t max_parts = 5000;
};

// What a parse cost: bytes looked at by its searches (delimiters, line ends, line counts).
// Every search is bounded by the end of the part it is in, so this stays within a small
// multiple of the message size (times the depth for nested message/rfc822 line counts).
struct ParseStats {
  size_t bytes_scanned = 0;
};

// The message must use CRLF line ends (the caller converts); root covers the whole message.
Part parse(std::string_view msg, Limits limits = {}, ParseStats* stats = nullptr);

// LF -> CRLF (bare CR and existing CRLF left alone).
std::string to_crlf(std::string_view s);

// Resolves an IMAP section part path (RFC 3501 6.4.5). nullptr when there is no such part.
const Part* find_part(const Part& root, const std::vector<uint32_t>& path);

}  // namespace posta::mime
