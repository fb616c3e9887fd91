#include <gtest/gtest.h>

#include "base/hex.h"

namespace posta {
namespace {

TEST(HexEscape, AppendHexByteWritesPrefixAndTwoDigits) {
  std::string out = "a";
  append_hex_byte(out, "%", 0x0a);
  append_hex_byte(out, "\\x", 0xfe, HexCase::kLower);
  append_hex_byte(out, "+", 0xfe);
  append_hex_byte(out, "", 0x00);
  EXPECT_EQ(out, "a%0A\\xfe+FE00");
}

TEST(HexEscape, EscapesOnlyTheBytesThePredicateNames) {
  auto pct = [](unsigned char c) { return c == '%' || c < 0x20 || c >= 0x7f; };
  EXPECT_EQ(hex_escape("", "%", pct), "");
  EXPECT_EQ(hex_escape("plain text", "%", pct), "plain text");
  EXPECT_EQ(hex_escape(std::string("50%\n\x7f\xff\0", 7), "%", pct), "50%25%0A%7F%FF%00");
  EXPECT_EQ(hex_escape("a=b+c", "+", [](unsigned char c) { return c == '+' || c == '='; }), "a+3Db+2Bc");
}

}  // namespace
}  // namespace posta
