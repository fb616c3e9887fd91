// HTML reduced to the text a reader sees, plus what the markup says about the message:
// links and images, hidden text (display:none, visibility:hidden, tiny fonts, text in the
// colour of its background), scripts and forms. For the tokenizer (tokenize.h) and any
// rule that matches rendered text; one pass, output and lists bounded.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace posta::spam {

struct HtmlText {
  std::string text;                // visible text, entities decoded, tags as separators
  std::vector<std::string> urls;   // href and src values, in order (at most kMaxUrls)
  size_t links = 0, images = 0;
  size_t hidden_chars = 0;         // text bytes inside hidden elements (left out of text)
  bool display_none = false, tiny_font = false, same_color = false, white_text = false;
  bool script = false, form = false, iframe = false, tracking_image = false;
  static constexpr size_t kMaxUrls = 200;
};

// At most max_text bytes of text; the markup is read to the end of html either way.
HtmlText html_to_text(std::string_view html, size_t max_text);

}  // namespace posta::spam
