// What the tests read from the message, computed once and only when asked: header fields
// (RFC 2047-decoded values), address lists, body text after a transform (RFC 5173).
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mailhdr/mailhdr.h"
#include "sieve/program.h"
#include "sieve/sieve.h"

namespace posta::sieve {

class MessageView {
 public:
  explicit MessageView(const Message& m);

  const Message& message() const { return m_; }
  // Values of the fields named name, in order, unfolded; decoded per RFC 2047 when decode.
  std::vector<std::string> header(std::string_view name, bool decode) const;
  bool has_header(std::string_view name) const;
  // Raw (undecoded) values, for address and date parsing.
  std::vector<std::string> raw_header(std::string_view name) const { return header(name, false); }

  // Body parts as body :raw / :text / :content see them (decoded to UTF-8 except :raw).
  std::vector<std::string> body(BodyTransform t, const std::vector<std::string>& content_types) const;

  uint64_t size() const { return m_.raw.size(); }

 private:
  const Message& m_;
  mailhdr::Header header_;
};

// The address part of an address "local@domain" (domain may be missing); nullopt when the
// part does not exist (:detail of an address without a separator). :user and :detail split
// at the first of the separator characters; a leading one does not split.
std::optional<std::string> address_part(std::string_view address, AddressPart part,
                                        std::string_view separators = "+");

// Addresses in a header value: "local@domain" each, groups flattened.
std::vector<std::string> header_addresses(std::string_view value);

}  // namespace posta::sieve
