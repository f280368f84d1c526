// HyperLogLog commands against a real redis-server 7.0: the same commands on both, the reply
// bytes compared (lib/commands/hll_family.cc). PFADD's 0/1, PFCOUNT's estimate (one key and the
// union of several), PFMERGE, and the stored bytes themselves (GET after every step: the sparse
// opcodes, the promotion to dense, the cached cardinality), on random sets of up to 200k
// elements; errors, arity, WRONGTYPE and the not-an-HLL texts, corrupted HLLs (INVALIDOBJ)
// including random mutations of real HLL bytes, MULTI, RESP3.
#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/testing/differential.h"

namespace embedis::testing {
namespace {

class HllDifferentialTest : public DifferentialTest {
 protected:
  // Whether the sparse opcodes after the 16-byte header end with the first byte of an XZERO.
  static bool EndsWithHalfXZero(const std::string& h) {
    size_t p = 16;
    while (p < h.size()) {
      const unsigned char op = static_cast<unsigned char>(h[p]);
      if ((op & 0xc0) == 0x40) {
        if (p + 1 == h.size()) return true;
        p += 2;
      } else {
        p += 1;
      }
    }
    return false;
  }

  // PFADD of `elements` in batches of `batch`, each reply compared.
  void AddAll(const std::string& key, const std::vector<std::string>& elements,
              size_t batch = 1000) {
    for (size_t i = 0; i < elements.size(); i += batch) {
      std::vector<std::string> argv = {"pfadd", key};
      for (size_t j = i; j < std::min(elements.size(), i + batch); ++j) {
        argv.push_back(elements[j]);
      }
      Same(argv);
    }
  }

  // A random element: numbers, words, binary, empty.
  static std::string RandomElement(std::mt19937_64& rng) {
    switch (rng() % 4) {
      case 0:
        return absl::StrCat(rng() % 1000000);
      case 1:
        return absl::StrCat("user:", rng());
      case 2: {
        std::string s(rng() % 20, '\0');
        for (char& c : s) c = static_cast<char>(rng());
        return s;
      }
      default:
        return std::string(rng() % 3, 'x');
    }
  }
};

TEST_F(HllDifferentialTest, ArityErrors) {
  Lines({"pfadd", "pfcount", "pfmerge", "PFADD", "PfCount"});
}

TEST_F(HllDifferentialTest, Basics) {
  Lines({"pfadd h",
         "get h",
         "strlen h",
         "type h",
         "object encoding h",
         "pfcount h",
         "get h",
         "pfadd h",
         "pfadd h a",
         "get h",
         "pfadd h a",
         "pfcount h",
         "get h",
         "pfcount h",
         "pfadd h b c d e f g",
         "pfcount h",
         "get h",
         "pfadd h2 a b z",
         "pfcount h h2",
         "get h",
         "get h2",
         "pfcount h h2 nokey",
         "pfcount nokey",
         "pfcount nokey nokey2",
         "exists nokey",
         "pfmerge d h h2",
         "get d",
         "pfcount d",
         "pfmerge d",
         "get d",
         "pfmerge new",
         "get new",
         "pfcount new",
         "type new",
         "pfmerge h h",
         "get h",
         "pfadd h a",
         "pfcount h h",
         "pfadd \"\" \"\"",
         "pfcount \"\""});
  // The TTL stays through PFADD, PFCOUNT and PFMERGE.
  Lines({"pfadd t a", "expire t 1000", "pfadd t b", "ttl t", "pfcount t", "ttl t", "pfmerge t h",
         "ttl t"});
}

TEST_F(HllDifferentialTest, WrongTypeAndNotAnHll) {
  Lines(
      {"rpush l a",       "sadd s a",        "hset hh f v",     "pfadd l a",         "pfadd l",
       "pfcount l",       "pfcount l nokey", "pfcount nokey l", "pfmerge l",         "pfmerge d l",
       "pfmerge l nokey", "exists d",        "set str hello",   "pfadd str a",       "pfcount str",
       "pfmerge str",     "pfmerge d str",   "exists d",        "pfcount nokey str", "set i 12345",
       "pfadd i a",       "pfcount i",       "set short HYLL",  "pfadd short a",     "set e \"\"",
       "pfadd e a",       "pfcount e",       "get e",           "pfadd ok a",        "pfcount ok l",
       "pfcount ok str",  "pfmerge ok str",  "pfmerge ok l"});
  // Headers: the magic, the encoding byte (only 0 and 1), a dense one's exact size.
  const std::string header = std::string("HYLL\x01\0\0\0\0\0\0\0\0\0\0\0", 16);
  std::string bad_magic = header;
  bad_magic[0] = 'h';
  std::string enc2 = header;
  enc2[4] = 2;
  std::string enc255 = header;
  enc255[4] = static_cast<char>(255);
  std::string dense_short = header;
  dense_short[4] = 0;
  dense_short += std::string(12287, '\0');
  std::string dense_long = dense_short + std::string(2, '\0');
  std::string dense_ok = dense_short + std::string(1, '\0');
  for (const std::string& v : {bad_magic + "\x7f\xff", enc2 + "\x7f\xff", enc255, dense_short,
                               dense_long, header.substr(0, 15)}) {
    Same({"set", "x", v});
    Same({"pfadd", "x", "a"});
    Same({"pfcount", "x"});
    Same({"pfcount", "x", "nokey"});
    Same({"pfmerge", "x"});
    Same({"pfmerge", "d", "x"});
    Same({"get", "x"});
  }
  // A dense HLL of all zero registers, its cache valid (0).
  Same({"set", "x", dense_ok});
  Lines({"pfcount x", "pfadd x a", "pfcount x", "pfadd x a", "getrange x 0 15"});
  // APPEND makes an HLL invalid.
  Lines({"pfadd app a b", "append app z", "pfcount app", "pfadd app c", "pfmerge d app"});
}

TEST_F(HllDifferentialTest, CorruptedSparse) {
  const std::string header = std::string("HYLL\x01\0\0\0\0\0\0\0\0\0\x00\x80", 16);
  const std::vector<std::string> bodies = {
      "",                              // no opcodes
      "\x7f",                          // an XZERO cut in half (its second byte read as zero): 16129
      std::string("\x7f\xfe", 2),      // 16383 registers
      std::string("\x7f\xff\x00", 3),  // 16385
      std::string("\x80\x7f\xfe", 3),  // VAL then 16383 zeros: valid
      std::string("\xfc\x7f\xfb", 3),  // VAL of 4 registers at 32, then 16380 zeros
      std::string("\x7f\xfe\xfc", 3),  // a VAL past the end
      std::string("\x7f\xfd\x80\x80", 4),
      std::string("\x7f\xff\x7f\xff", 4),
      // 255 zero registers, then an XZERO cut in half: 255 + 16129 = 16384, valid for Redis.
      std::string("\x3f\x3f\x3f\x3e\x7f", 5),
      std::string("\x3f\x3f\x3f\x3e\x7f", 5) + "\x80",
  };
  for (const std::string& body : bodies) {
    SCOPED_TRACE(EscapeResp(body));
    Same({"set", "c", header + body});
    Same({"pfcount", "c"});
    Same({"get", "c"});
    Same({"pfcount", "c", "nokey"});
    Same({"pfmerge", "d", "c"});
    Same({"get", "d"});
    Same({"del", "d"});
    // After an edit of a body that ends with half an XZERO, Redis reads the byte its edit left
    // past the end of its buffer (see MutatedHllBytes): only the first edit is compared there.
    if (EndsWithHalfXZero(header + body)) {
      Same({"pfadd", "c", "a"});
      Same({"get", "c"});
      continue;
    }
    for (const char* e : {"a", "b", "c", "foo", "bar", "1", "2", "3"}) {
      Same({"pfadd", "c", e});
      Same({"get", "c"});
    }
    Same({"pfcount", "c"});
    Same({"pfmerge", "c"});
    Same({"get", "c"});
  }
}

// A valid cache is believed as it is: any 63-bit value.
TEST_F(HllDifferentialTest, CachedCardinalityIsBelieved) {
  std::string h = std::string("HYLL\x01\0\0\0\x39\x30\0\0\0\0\0\x7f", 16) + "\x7f\xff";
  Same({"set", "c", h});
  Lines({"pfcount c", "pfcount c nokey", "pfadd c a", "pfcount c", "get c"});
}

// Random sets from 0 to 200k elements: every PFADD's reply, PFCOUNT, and the bytes.
TEST_F(HllDifferentialTest, RandomSetsSameEstimates) {
  std::mt19937_64 rng(12);
  std::vector<size_t> sizes = {0, 1, 2, 10, 100, 300, 1000, 3000, 5000, 20000, 200000};
  for (int i = 0; i < 12; ++i) sizes.push_back(rng() % 60000);
  int n = 0;
  for (size_t size : sizes) {
    const std::string key = absl::StrCat("h", n++);
    std::vector<std::string> elements;
    for (size_t i = 0; i < size; ++i) elements.push_back(RandomElement(rng));
    // Small batches while sparse (each reply checked), larger ones later.
    const size_t batch = size <= 5000 ? 1 + rng() % 50 : 2000;
    AddAll(key, elements, batch);
    Same({"pfcount", key});
    Same({"get", key});
    Same({"pfcount", key});
    // Re-adding changes nothing.
    if (size > 0 && size <= 20000) AddAll(key, elements, 5000);
  }
  // Unions of several keys, and merges into sparse and dense destinations.
  for (int i = 0; i < 20; ++i) {
    std::vector<std::string> argv = {"pfcount"};
    const int k = 2 + rng() % 4;
    for (int j = 0; j < k; ++j) argv.push_back(absl::StrCat("h", rng() % n));
    Same(argv);
    argv[0] = "pfmerge";
    argv.insert(argv.begin() + 1, absl::StrCat("m", i % 5));
    Same(argv);
    Same({"get", argv[1]});
    Same({"pfcount", argv[1]});
  }
}

// Many small sets, one element at a time: the sparse opcodes (splits, merges of equal VALs) and
// the moment of promotion to dense byte for byte.
TEST_F(HllDifferentialTest, SparseEditsByteForByte) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 6; ++round) {
    const std::string key = absl::StrCat("s", round);
    // Few distinct elements so that equal values meet and merge; then many to promote.
    const int distinct = round < 3 ? 50 : 100000;
    for (int i = 0; i < 2500; ++i) {
      Same({"pfadd", key, absl::StrCat(rng() % distinct)});
      if (i % 50 == 0) Same({"get", key});
    }
    Same({"get", key});
    Same({"strlen", key});
    Same({"pfcount", key});
  }
}

// Real HLLs with random bytes changed, then every command: no crash and the same replies.
TEST_F(HllDifferentialTest, MutatedHllBytes) {
  std::mt19937_64 rng(99);
  AddAll("src", {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n"});
  for (int i = 0; i < 200; ++i) Same({"pfadd", "src", absl::StrCat("e", rng() % 1000)});
  const auto [redis_bytes, embedis_bytes] = Both({"get", "src"});
  ASSERT_EQ(redis_bytes, embedis_bytes);
  // The RESP bulk string: $<len>\r\n<bytes>\r\n.
  const size_t start = redis_bytes.find("\r\n") + 2;
  const std::string hll = redis_bytes.substr(start, redis_bytes.size() - start - 2);
  ASSERT_GT(hll.size(), 16u);
  for (int round = 0; round < 1000; ++round) {
    std::string m = hll;
    const int edits = 1 + rng() % 4;
    for (int e = 0; e < edits; ++e) {
      const size_t pos = 16 + rng() % (m.size() - 16);
      switch (rng() % 4) {
        case 0:
          m[pos] = static_cast<char>(rng());
          break;
        case 1:
          m.erase(pos, 1);
          break;
        case 2:
          m.insert(pos, 1, static_cast<char>(rng()));
          break;
        default:
          m.resize(std::max<size_t>(16, pos));
          break;
      }
      if (m.size() <= 16) m += "\x7f";
    }
    // An XZERO opcode cut in half at the very end: after an update Redis reads the stale byte
    // its last edit left past the end of its buffer, which no copy of the value carries (a
    // documented difference); give it its second byte.
    if (EndsWithHalfXZero(m)) m += "\x01";
    SCOPED_TRACE(EscapeResp(m));
    Same({"set", "m", m});
    Same({"pfcount", "m"});
    Same({"pfcount", "m", "src"});
    Same({"pfmerge", "dst", "m"});
    Same({"get", "dst"});
    Same({"del", "dst"});
    Same({"pfadd", "m", absl::StrCat(rng()), absl::StrCat(rng())});
    Same({"get", "m"});
    Same({"pfcount", "m"});
  }
}

TEST_F(HllDifferentialTest, DenseAndSparseMixed) {
  std::mt19937_64 rng(3);
  std::vector<std::string> big;
  for (int i = 0; i < 30000; ++i) big.push_back(absl::StrCat("big", i));
  AddAll("dense", big, 3000);
  Lines({"pfadd sparse x y z", "pfmerge sparse dense", "get sparse", "pfcount sparse",
         "pfadd sp2 q", "pfmerge dense sp2", "get dense", "pfmerge out sp2", "get out",
         "pfmerge out2 sp2 dense", "get out2", "pfcount sp2 dense", "pfcount dense sp2 nokey"});
}

TEST_F(HllDifferentialTest, MultiExecAndWatch) {
  Lines({"multi", "pfadd h a b", "pfcount h",  "pfadd h a", "pfmerge d h", "pfcount d h",
         "exec",  "get h",       "pfadd w a",  "watch w",   "pfcount w",   "multi",
         "ping",  "exec",        "watch w",    "pfadd w a", "multi",       "ping",
         "exec",  "watch w",     "pfadd w zz", "multi",     "ping",        "exec"});
  Lines({"multi", "pfadd", "exec", "multi", "rpush l a", "pfadd l a", "exec"});
}

TEST_F(HllDifferentialTest, Resp3Replies) {
  Resp3();
  Lines({"pfadd h a b c", "pfadd h a", "pfcount h", "pfcount h nokey", "pfmerge d h", "get d",
         "rpush l a", "pfadd l a", "set s x", "pfcount s"});
}

}  // namespace
}  // namespace embedis::testing
