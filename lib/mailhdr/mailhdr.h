// Minimal RFC 5322 header-block utilities for delivery (posta-local): find the header block
// of a message, list its fields (unfolded values), count and look up fields by name.
// Not a MIME parser (lib/mime is imapd's).
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "base/strings.h"

namespace posta::mailhdr {

struct Field {
  std::string name;    // as written (compare with iequals)
  std::string value;   // unfolded: CR/LF of continuation lines removed, outer spaces trimmed
  size_t offset = 0;   // of the field's first byte in the message
  size_t length = 0;   // raw bytes including the continuation lines and the final line end
};

struct Header {
  std::vector<Field> fields;
  size_t body_offset = 0;  // first byte after the empty separator line (or end of the data)
  bool crlf = false;       // the first line ends with CRLF (use the same for added fields)
  bool complete = false;   // an empty line ended the block within the data given
  std::string_view eol() const { return crlf ? "\r\n" : "\n"; }
};

// Parses the header block at the start of data. A line that is neither a field
// ("name:" with printable name characters) nor a continuation ends the block there
// (the line is then the start of the body, as in a message without a blank line).
Header parse_header(std::string_view data);

// Reads at most max bytes of fd from offset 0 (pread: the fd offset is left alone) and
// stops early at the end of the header block. The bytes read are returned in raw.
[[nodiscard]] Result<Header> read_header(int fd, size_t max, std::string& raw);

size_t count(const Header& h, std::string_view name);
// Values of every field with this name, in order.
std::vector<std::string> values(const Header& h, std::string_view name);
// First value, or "" when absent.
std::string first(const Header& h, std::string_view name);

// "Name: value" + eol, with value stripped of CR/LF (so it can never add a header line).
std::string make_field(std::string_view name, std::string_view value, std::string_view eol);

// The angle-bracket address inside a header value or envelope address "<a@b>" -> "a@b".
std::string strip_angle(std::string_view s);

}  // namespace posta::mailhdr
