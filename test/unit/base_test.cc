#include <gtest/gtest.h>

#include "base/base64.h"
#include "base/hex.h"

using namespace posta;

TEST(Base64, Encode) {
  const std::pair<std::string, std::string> cases[] = {
      {"", ""}, {"a", "YQ=="}, {"ab", "YWI="}, {"abc", "YWJj"}, {"hello", "aGVsbG8="},
      {std::string("\0u\0p", 4), "AHUAcA=="}, {"\xff\xfe\xfd", "//79"}};
  for (const auto& [plain, encoded] : cases) EXPECT_EQ(base64_encode(plain), encoded);
}

TEST(Base64, StrictDecodes) {
  std::string plain("\0user@example.org\0secret", 24);
  EXPECT_EQ(*base64_decode(base64_encode(plain)), plain);
  EXPECT_EQ(*base64_decode("VXNlcm5hbWU6"), "Username:");
  EXPECT_EQ(*base64_decode("YQ=="), "a");
  EXPECT_EQ(*base64_decode("YWI="), "ab");
  EXPECT_EQ(*base64_decode(""), "");
  EXPECT_EQ(*base64_decode("YR=="), "a");  // non-zero pad bits (RFC 4648 3.5)
  EXPECT_EQ(*base64_decode("//79"), "\xff\xfe\xfd");
}

TEST(Base64, StrictRefuses) {
  for (const char* bad : {"YQ=", "abc", "Y===", "====", "YQ==YQ==", "Y*Q=", "YQ=a", "Y Q=", "YQ==\r\n",
                          "!!!!", "YQ\n==", "=YQ="})
    EXPECT_FALSE(base64_decode(bad)) << bad;
  EXPECT_FALSE(base64_decode(std::string("YQ\0=", 4)));
}

// MIME bodies decode the way they always have: junk and line breaks skipped, stop at '='.
TEST(Base64, LenientSkipsJunkAndStopsAtPad) {
  EXPECT_EQ(base64_decode_lenient("aGVsbG8="), "hello");
  EXPECT_EQ(base64_decode_lenient("aGVs\r\nbG8=\r\n"), "hello");
  EXPECT_EQ(base64_decode_lenient(" a G V s bG8"), "hello");
  EXPECT_EQ(base64_decode_lenient("aGVs!!bG8=aGVsbG8="), "hello");
  EXPECT_EQ(base64_decode_lenient("YQ"), "a");    // missing padding
  EXPECT_EQ(base64_decode_lenient("Y"), "");      // a partial byte is dropped
  EXPECT_EQ(base64_decode_lenient(""), "");
  EXPECT_EQ(base64_decode_lenient("=aGVsbG8"), "");
}

TEST(Hex, RoundTrip) {
  std::string bytes("\0\x01\x7f\x80\xff a", 7);
  EXPECT_EQ(hex_encode(bytes), "00017f80ff2061");
  EXPECT_EQ(*hex_decode(hex_encode(bytes)), bytes);
  EXPECT_EQ(*hex_decode("4142"), "AB");
  EXPECT_EQ(*hex_decode("7F7f"), "\x7f\x7f");
  EXPECT_EQ(*hex_decode(""), "");
}

TEST(Hex, DigitValues) {
  EXPECT_EQ(hex_digit_value('0'), 0);
  EXPECT_EQ(hex_digit_value('9'), 9);
  EXPECT_EQ(hex_digit_value('a'), 10);
  EXPECT_EQ(hex_digit_value('F'), 15);
  EXPECT_EQ(hex_digit_value('g'), -1);
  EXPECT_EQ(hex_digit_value('/'), -1);
}

TEST(Hex, Refuses) {
  EXPECT_FALSE(hex_decode("414"));
  EXPECT_FALSE(hex_decode("4g"));
  EXPECT_FALSE(hex_decode("4 "));
  EXPECT_FALSE(hex_decode("-1"));
}
