// Shared by tokenize.cc and tokenize_headers.cc: the token set of one message and the
// word/URL splitters that feed it.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "mime/message.h"

namespace posta::spam::detail {

// Distinct tokens, at most max of them; control bytes in a value become '?', and a value
// is cut at kMaxValue bytes.
class Tokens {
 public:
  static constexpr size_t kMaxValue = 80;
  explicit Tokens(size_t max) : max_(max) {}
  void add(std::string_view prefix, std::string_view value);
  bool full() const { return set_.size() >= max_; }
  std::vector<std::string> sorted() &&;

 private:
  std::unordered_set<std::string> set_;
  size_t max_;
};

// The words of text, each as prefix + word (or a skip token), and the URLs and mail
// domains in it. Returns the number of words seen.
size_t add_text(Tokens& t, std::string_view text, std::string_view prefix);
// url: tokens of one URL ("http://host/...", "//host", or "www.host...").
void add_url(Tokens& t, std::string_view url);
// Bucketed count for feature tokens: "0", "1", "2", "3", "4-5", "6-10", "11-20", "21-50", "51+".
std::string_view bucket(size_t n);
// The header tokens of the top-level header block.
void add_header_tokens(Tokens& t, const std::vector<mime::HeaderField>& headers, size_t max_fields);
// filename: tokens of an attachment name (extension, double extension, words).
void add_filename(Tokens& t, std::string_view name);

}  // namespace posta::spam::detail
