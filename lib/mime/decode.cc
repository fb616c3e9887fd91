#include "mime/decode.h"

#include <iconv.h>

#include <cstring>

#include "base/base64.h"
#include "base/hex.h"
#include "base/strings.h"

namespace posta::mime {
std::string qp_decode(std::string_view in, bool q) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (q && c == '_') { out += ' '; continue; }
    if (c != '=') { out += c; continue; }
    if (i + 2 < in.size() && hex_digit_value(in[i + 1]) >= 0 && hex_digit_value(in[i + 2]) >= 0) {
      out += static_cast<char>(hex_digit_value(in[i + 1]) * 16 + hex_digit_value(in[i + 2]));
      i += 2;
    } else if (i + 1 < in.size() && (in[i + 1] == '\r' || in[i + 1] == '\n')) {
      // soft line break
      ++i;
      if (in[i] == '\r' && i + 1 < in.size() && in[i + 1] == '\n') ++i;
    } else {
      out += c;
    }
  }
  return out;
}

std::string to_utf8(std::string_view charset, std::string_view bytes) {
  if (charset.empty() || iequals(charset, "utf-8") || iequals(charset, "us-ascii") || iequals(charset, "utf8"))
    return std::string(bytes);
  std::string cs(charset.substr(0, 40));
  iconv_t cd = ::iconv_open("UTF-8", cs.c_str());
  if (cd == reinterpret_cast<iconv_t>(-1)) return std::string(bytes);
  std::string out(bytes.size() * 4 + 16, '\0');
  char* in = const_cast<char*>(bytes.data());
  size_t inleft = bytes.size();
  char* o = out.data();
  size_t oleft = out.size();
  while (inleft > 0) {
    if (::iconv(cd, &in, &inleft, &o, &oleft) != static_cast<size_t>(-1)) break;
    if (errno == E2BIG || oleft == 0) break;
    // skip one undecodable byte
    ++in;
    --inleft;
    *o++ = '?';
    --oleft;
  }
  ::iconv_close(cd);
  out.resize(out.size() - oleft);
  return out;
}

std::string decode_words(std::string_view v) {
  std::string out;
  size_t i = 0;
  bool last_was_word = false;
  while (i < v.size()) {
    if (v[i] == '=' && i + 1 < v.size() && v[i + 1] == '?') {
      size_t q1 = v.find('?', i + 2);
      size_t q2 = q1 == std::string_view::npos ? q1 : v.find('?', q1 + 1);
      size_t end = q2 == std::string_view::npos ? q2 : v.find("?=", q2 + 1);
      if (end != std::string_view::npos && q2 == q1 + 2 && end - i < 400) {
        std::string_view charset = v.substr(i + 2, q1 - i - 2);
        size_t star = charset.find('*');  // RFC 2231 language
        if (star != std::string_view::npos) charset = charset.substr(0, star);
        char enc = static_cast<char>(std::toupper(static_cast<unsigned char>(v[q1 + 1])));
        std::string_view text = v.substr(q2 + 1, end - q2 - 1);
        if (enc == 'B' || enc == 'Q') {
          std::string raw = enc == 'B' ? base64_decode_lenient(text) : qp_decode(text, true);
          out += to_utf8(charset, raw);
          i = end + 2;
          last_was_word = true;
          continue;
        }
      }
    }
    // whitespace between adjacent encoded words is dropped
    if (last_was_word && (v[i] == ' ' || v[i] == '\t' || v[i] == '\r' || v[i] == '\n')) {
      size_t j = i;
      while (j < v.size() && (v[j] == ' ' || v[j] == '\t' || v[j] == '\r' || v[j] == '\n')) ++j;
      if (j + 1 < v.size() && v[j] == '=' && v[j + 1] == '?') { i = j; continue; }
      out.append(v.substr(i, j - i));
      i = j;
      last_was_word = false;
      continue;
    }
    last_was_word = false;
    out += v[i++];
  }
  return out;
}

std::string decode_body(std::string_view body, std::string_view encoding, std::string_view charset) {
  std::string raw;
  if (iequals(encoding, "base64")) raw = base64_decode_lenient(body);
  else if (iequals(encoding, "quoted-printable")) raw = qp_decode(body);
  else raw = std::string(body);
  return to_utf8(charset, raw);
}

namespace {
// The lower case of a code point in the scripts mail is mostly written in (Latin-1,
// Latin Extended-A, Greek, Cyrillic); others are their own.
uint32_t lower_code_point(uint32_t c) {
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 0x20;
  if (c >= 0x100 && c <= 0x137 && c != 0x130) return c | 1;
  if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) return c % 2 ? c + 1 : c;
  if (c >= 0x14A && c <= 0x177) return c | 1;
  if (c == 0x178) return 0xFF;
  if (c >= 0x391 && c <= 0x3AB && c != 0x3A2) return c + 0x20;
  if (c >= 0x410 && c <= 0x42F) return c + 0x20;
  if (c >= 0x400 && c <= 0x40F) return c + 0x50;
  return c;
}
}  // namespace

std::string fold(std::string_view s) {
  std::string out(s);
  for (size_t i = 0; i < out.size(); ++i) {
    auto b = static_cast<unsigned char>(out[i]);
    if (b < 0x80) {
      if (b >= 'A' && b <= 'Z') out[i] = static_cast<char>(b + 32);
      continue;
    }
    // Two-byte sequences only: every code point lower_code_point() changes is one, and so
    // is its lower case.
    if ((b & 0xE0) != 0xC0 || i + 1 >= out.size()) continue;
    auto b2 = static_cast<unsigned char>(out[i + 1]);
    if ((b2 & 0xC0) != 0x80) continue;
    uint32_t c = ((b & 0x1Fu) << 6) | (b2 & 0x3Fu);
    uint32_t l = lower_code_point(c);
    out[i] = static_cast<char>(0xC0 | (l >> 6));
    out[++i] = static_cast<char>(0x80 | (l & 0x3F));
  }
  return out;
}

}  // namespace posta::mime
