#include "lib/util/memory_streambuf.h"

#include <cstdint>
#include <istream>
#include <ostream>
#include <string>
#include <string_view>

#include "cereal/archives/binary.hpp"
#include "cereal/types/string.hpp"
#include "gtest/gtest.h"

namespace embedis {
namespace {

TEST(StringSink, AppendsWritesAndSingleCharactersToTheString) {
  std::string out = "pre";
  StringSink sink(&out);
  std::ostream os(&sink);
  os.write("abc", 3);
  os.put('d');  // no put area: goes through overflow()
  os << 42;
  EXPECT_TRUE(os.good());
  EXPECT_EQ(out, "preabcd42");
}

TEST(StringSink, CerealWritesTheExactBytes) {
  std::string out;
  {
    StringSink sink(&out);
    std::ostream os(&sink);
    cereal::BinaryOutputArchive ar(os);
    ar(uint8_t{0xE5}, uint32_t{0x01020304});
    ar(cereal::binary_data("xy", 2));
  }
  EXPECT_EQ(out, std::string("\xE5\x04\x03\x02\x01xy", 7));
}

TEST(MemorySource, ReadsInPlaceAndCountsWhatIsLeft) {
  const std::string data = "hello world";
  MemorySource src(data);
  std::istream is(&src);
  EXPECT_EQ(src.remaining(), 11u);
  char buf[5];
  ASSERT_TRUE(is.read(buf, 5));
  EXPECT_EQ(std::string_view(buf, 5), "hello");
  EXPECT_EQ(src.remaining(), 6u);
  std::string rest;
  is >> rest >> rest;
  EXPECT_EQ(rest, "world");
  EXPECT_EQ(src.remaining(), 0u);
  EXPECT_FALSE(is.read(buf, 1));
}

TEST(MemorySource, NeverWritesThroughPutback) {
  const std::string data = "ab";
  MemorySource src(data);
  std::istream is(&src);
  EXPECT_EQ(is.get(), 'a');
  is.putback('z');  // a different character would have to be stored: refused
  EXPECT_TRUE(is.bad());
  EXPECT_EQ(data, "ab");
}

TEST(MemorySource, EmptyRange) {
  MemorySource src(std::string_view{});
  std::istream is(&src);
  EXPECT_EQ(src.remaining(), 0u);
  EXPECT_EQ(is.get(), std::char_traits<char>::eof());
}

TEST(MemorySource, CerealRoundTripAndShortReadThrows) {
  std::string bytes;
  {
    StringSink sink(&bytes);
    std::ostream os(&sink);
    cereal::BinaryOutputArchive ar(os);
    ar(uint64_t{1} << 40, std::string("value"));
  }
  {
    MemorySource src(bytes);
    std::istream is(&src);
    cereal::BinaryInputArchive ar(is);
    uint64_t n = 0;
    std::string s;
    ar(n, s);
    EXPECT_EQ(n, uint64_t{1} << 40);
    EXPECT_EQ(s, "value");
    EXPECT_EQ(src.remaining(), 0u);
  }
  MemorySource src(std::string_view(bytes).substr(0, 5));
  std::istream is(&src);
  cereal::BinaryInputArchive ar(is);
  uint64_t n = 0;
  EXPECT_THROW(ar(n), cereal::Exception);
}

}  // namespace
}  // namespace embedis
