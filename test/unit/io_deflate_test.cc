#include <gtest/gtest.h>
#include <zlib.h>

#include "io/deflate.h"

using namespace posta;

TEST(IoDeflate, RoundTripInPiecesWithSyncFlush) {
  Deflater d;
  Inflater i;
  std::string plain;
  for (int k = 0; k < 2000; ++k) plain += "* " + std::to_string(k) + " FETCH (FLAGS (\\Seen))\r\n";
  std::string packed1, packed2, out;
  ASSERT_TRUE(d.compress(plain.substr(0, 100), packed1));
  // A sync flush: the first piece decompresses whole before the rest is sent.
  ASSERT_TRUE(i.decompress(packed1, out));
  EXPECT_EQ(out, plain.substr(0, 100));
  ASSERT_TRUE(d.compress(plain.substr(100), packed2));
  EXPECT_LT(packed2.size(), plain.size() / 5);
  for (size_t k = 0; k < packed2.size(); k += 7) ASSERT_TRUE(i.decompress(packed2.substr(k, 7), out));
  EXPECT_EQ(out, plain);
  std::string empty;
  ASSERT_TRUE(d.compress("", empty));  // nothing to send: a flush marker only
  ASSERT_TRUE(i.decompress(empty, out));
  EXPECT_EQ(out, plain);
}

TEST(IoDeflate, OneSmallInputWithMuchOutputComesOutWhole) {
  std::string plain;
  for (int k = 0; k < 20000; ++k) plain += "a1 NOOP\r\n";  // 180 KB from a few hundred bytes
  Deflater d;
  std::string packed, out;
  ASSERT_TRUE(d.compress(plain, packed));
  ASSERT_LT(packed.size(), 16384u);
  Inflater i;
  ASSERT_TRUE(i.decompress(packed, out));
  EXPECT_EQ(out.size(), plain.size());
  EXPECT_EQ(out, plain);
}

TEST(IoDeflate, GarbageAndBombsAreErrors) {
  Inflater garbage;
  std::string out;
  EXPECT_FALSE(garbage.decompress(std::string("\xff\xff\xff\xff garbage", 12), out));

  // 1 GB of zeros compresses to about 1 MB: one read of it may not expand past the limit.
  std::string zeros(64u << 20, '\0'), packed;
  Deflater d;
  ASSERT_TRUE(d.compress(zeros, packed));
  Inflater bomb;
  out.clear();
  EXPECT_FALSE(bomb.decompress(packed, out));
  EXPECT_LE(out.size(), Inflater::kMaxExpansion + 16384);

  // A stream that ends (a final block) and then has more bytes.
  z_stream z{};
  ASSERT_EQ(deflateInit2(&z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
  char buf[256];
  std::string in = "a1 NOOP\r\n";
  z.next_in = reinterpret_cast<Bytef*>(in.data());
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(buf);
  z.avail_out = sizeof buf;
  ASSERT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  std::string finished(buf, sizeof buf - z.avail_out);
  deflateEnd(&z);
  Inflater after;
  out.clear();
  EXPECT_FALSE(after.decompress(finished + "x", out));
}
