// The HyperLogLog sketch (lib/commands/hll.h) and its operations (hll_ops.h) without RESP: the
// hash and register facts, the byte format (sparse opcodes, promotion, the cache), estimates
// within the error bounds, unions, and arbitrary or corrupted bytes that must never be read
// outside the string (run under ASan to make that a failure: the fuzz-style test below feeds
// thousands of them).
#include "lib/commands/hll.h"

#include <cmath>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/commands/hll_ops.h"
#include "lib/keyspace/keyspace.h"
#include "lib/util/clock.h"
#include "lib/util/errors.h"

namespace embedis {
namespace {

const std::string kHeader(std::string("HYLL\x01\0\0\0\0\0\0\0\0\0\0\0", 16));

TEST(HllSketch, MurmurHash64AKnownValues) {
  // Reference values of MurmurHash64A (seed 0xadc83b19) from an independent implementation:
  // empty, a tail only, one block, a block and a tail.
  EXPECT_EQ(hll::MurmurHash64A("", hll::kHashSeed), 0xd8dfea6585bc9732ULL);
  EXPECT_EQ(hll::MurmurHash64A("a", hll::kHashSeed), 0x53d2470a9b43b1a7ULL);
  EXPECT_EQ(hll::MurmurHash64A("abcdefgh", hll::kHashSeed), 0xf3a65df559914567ULL);
  EXPECT_EQ(hll::MurmurHash64A("hello world 123", hll::kHashSeed), 0x7eed4eba68315b63ULL);
  EXPECT_EQ(hll::HashElement("").index, 5938);
  EXPECT_EQ(hll::HashElement("").count, 2);
  // Every tail length (0..7 bytes past a block) reaches a different hash.
  std::vector<uint64_t> seen;
  for (int n = 0; n < 17; ++n) {
    const uint64_t h = hll::MurmurHash64A(std::string(n, 'x'), hll::kHashSeed);
    for (uint64_t s : seen) EXPECT_NE(s, h);
    seen.push_back(h);
  }
}

TEST(HllSketch, PatternIndexAndCount) {
  for (int i = 0; i < 10000; ++i) {
    const hll::Pattern p = hll::HashElement(absl::StrCat(i));
    const uint64_t h = hll::MurmurHash64A(absl::StrCat(i), hll::kHashSeed);
    EXPECT_EQ(p.index, static_cast<int>(h & 16383));
    EXPECT_GE(p.count, 1);
    EXPECT_LE(p.count, 51);
    const uint64_t rest = h >> 14;
    if (rest != 0) {
      EXPECT_EQ(p.count, __builtin_ctzll(rest) + 1);
    } else {
      EXPECT_EQ(p.count, 51);
    }
  }
}

TEST(HllSketch, NewIsSparseAndEmpty) {
  const std::string h = hll::NewSparse();
  EXPECT_EQ(h, kHeader + "\x7f\xff");
  EXPECT_TRUE(hll::IsValid(h));
  EXPECT_FALSE(hll::IsDense(h));
  EXPECT_EQ(hll::CachedCardinality(h), 0u);
  EXPECT_EQ(hll::Estimate(h), 0u);
}

TEST(HllSketch, ValidityIsTheHeaderOnly) {
  EXPECT_FALSE(hll::IsValid(""));
  EXPECT_FALSE(hll::IsValid(kHeader.substr(0, 15)));
  EXPECT_TRUE(hll::IsValid(kHeader));  // no opcodes: valid until read (then corrupted)
  std::string bad = kHeader;
  bad[3] = 'l';
  EXPECT_FALSE(hll::IsValid(bad));
  bad = kHeader;
  bad[4] = 2;
  EXPECT_FALSE(hll::IsValid(bad));
  std::string dense = kHeader;
  dense[4] = 0;
  EXPECT_FALSE(hll::IsValid(dense));
  dense.resize(hll::kDenseSize);
  EXPECT_TRUE(hll::IsValid(dense));
  EXPECT_TRUE(hll::IsDense(dense));
  dense.push_back('\0');
  EXPECT_FALSE(hll::IsValid(dense));
}

TEST(HllSketch, CacheRoundTrip) {
  std::string h = hll::NewSparse();
  hll::SetCachedCardinality(&h, 0x0102030405060708ULL);
  EXPECT_EQ(h.substr(8, 8), "\x08\x07\x06\x05\x04\x03\x02\x01");
  EXPECT_EQ(hll::CachedCardinality(h), 0x0102030405060708ULL);
  hll::InvalidateCache(&h);
  EXPECT_EQ(hll::CachedCardinality(h), std::nullopt);
}

TEST(HllSketch, SparseSplitsAndMerges) {
  std::string h = hll::NewSparse();
  // Register 0 to 1: VAL(1,1) then XZERO(16383).
  EXPECT_EQ(hll::SetRegister(&h, 0, 1), 1);
  EXPECT_EQ(h.substr(16), "\x80\x7f\xfe");
  EXPECT_EQ(hll::CachedCardinality(h), std::nullopt);  // a sparse update marks it stale
  EXPECT_EQ(hll::SetRegister(&h, 0, 1), 0);
  // Register 1 to 1 as well: the two VALs merge into VAL(1,2).
  EXPECT_EQ(hll::SetRegister(&h, 1, 1), 1);
  EXPECT_EQ(h.substr(16), "\x81\x7f\xfd");
  // A register in the middle: XZERO, VAL, XZERO.
  EXPECT_EQ(hll::SetRegister(&h, 1000, 5), 1);
  EXPECT_EQ(h.substr(16), std::string("\x81\x43\xe5\x90\x7c\x16", 6));
  // Raising a register of a run of 2 splits the VAL.
  EXPECT_EQ(hll::SetRegister(&h, 1, 2), 1);
  EXPECT_EQ(h.substr(16), std::string("\x80\x84\x43\xe5\x90\x7c\x16", 7));
  // ZERO (not XZERO) for short runs.
  EXPECT_EQ(hll::SetRegister(&h, 3, 1), 1);
  EXPECT_EQ(h.substr(16, 4), std::string("\x80\x84\x00\x80", 4));
  EXPECT_EQ(hll::Estimate(h), 4u);
}

TEST(HllSketch, PromotionToDense) {
  // A value above 32 cannot be sparse.
  std::string h = hll::NewSparse();
  EXPECT_EQ(hll::SetRegister(&h, 7, 33), 1);
  EXPECT_TRUE(hll::IsDense(h));
  EXPECT_EQ(h.size(), hll::kDenseSize);
  hll::Registers max{};
  ASSERT_TRUE(hll::MergeInto(h, &max));
  EXPECT_EQ(max[7], 33);
  EXPECT_EQ(max[6] + max[8], 0);
  // Past sparse_max_bytes.
  h = hll::NewSparse();
  for (int i = 0; i < 100 && !hll::IsDense(h); ++i) {
    EXPECT_EQ(hll::SetRegister(&h, i * 100, 1 + i % 3, /*sparse_max_bytes=*/64), 1);
    if (!hll::IsDense(h)) {
      EXPECT_LE(h.size(), 64u);
    }
  }
  EXPECT_TRUE(hll::IsDense(h));
}

TEST(HllSketch, DenseRegistersEveryPosition) {
  std::string h = hll::NewSparse();
  ASSERT_TRUE(hll::ToDense(&h));
  for (int i = 0; i < hll::kRegisters; ++i) {
    ASSERT_EQ(hll::SetRegister(&h, i, 1 + (i * 7) % 63), 1) << i;
  }
  hll::Registers max{};
  ASSERT_TRUE(hll::MergeInto(h, &max));
  for (int i = 0; i < hll::kRegisters; ++i) EXPECT_EQ(max[i], 1 + (i * 7) % 63) << i;
  EXPECT_EQ(hll::SetRegister(&h, hll::kRegisters - 1, 63), 1);  // the last one, byte 12287
  EXPECT_EQ(hll::SetRegister(&h, hll::kRegisters - 1, 62), 0);
}

TEST(HllSketch, EstimatesWithinErrorBounds) {
  std::string h = hll::NewSparse();
  int64_t added = 0;
  for (int64_t target : {1, 10, 100, 1000, 10000, 100000, 1000000}) {
    for (; added < target; ++added) hll::Add(&h, absl::StrCat("element:", added));
    const double est = static_cast<double>(*hll::Estimate(h));
    // 0.81% standard error: 5 sigma.
    EXPECT_NEAR(est, static_cast<double>(target), std::max(1.0, target * 0.0405)) << target;
  }
  EXPECT_TRUE(hll::IsDense(h));
}

TEST(HllSketch, SparseAndDenseAgree) {
  std::string sparse = hll::NewSparse();
  for (int i = 0; i < 300; ++i) hll::Add(&sparse, absl::StrCat(i));
  ASSERT_FALSE(hll::IsDense(sparse));
  std::string dense = sparse;
  ASSERT_TRUE(hll::ToDense(&dense));
  EXPECT_EQ(hll::Estimate(sparse), hll::Estimate(dense));
  hll::Registers a{}, b{};
  ASSERT_TRUE(hll::MergeInto(sparse, &a));
  ASSERT_TRUE(hll::MergeInto(dense, &b));
  EXPECT_EQ(a, b);
  EXPECT_EQ(hll::Estimate(a), hll::Estimate(sparse));
}

TEST(HllSketch, RaiseAllEqualsOneRegisterAtATime) {
  std::mt19937_64 rng(11);
  for (int n : {0, 5, 200, 3000, 16384}) {
    hll::Registers max{};
    for (int j = 0; j < n; ++j) max[rng() % hll::kRegisters] = 1 + rng() % (n > 1000 ? 63 : 20);
    for (bool dense : {false, true}) {
      std::string base = hll::NewSparse();
      for (int j = 0; j < 50; ++j) hll::Add(&base, absl::StrCat(j));
      if (dense) {
        ASSERT_TRUE(hll::ToDense(&base));
      }
      std::string bulk = base;
      std::string one = base;
      hll::RaiseAll(&bulk, max);
      for (int i = 0; i < hll::kRegisters; ++i) {
        if (max[i] != 0) hll::SetRegister(&one, i, max[i]);
      }
      EXPECT_EQ(bulk, one) << n << " " << dense;
    }
  }
}

TEST(HllSketch, CorruptedSparseBodies) {
  const std::vector<std::string> bodies = {
      "",                              // nothing
      "\x7f",                          // 16129 registers (the half XZERO reads a zero)
      std::string("\x7f\xfe", 2),      // 16383
      std::string("\x7f\xff\x00", 3),  // 16385
      std::string("\x7f\xfe\xfd", 3),  // a VAL of 2 past the end
      std::string("\x7f\xff\x7f\xff", 4),
  };
  for (const std::string& body : bodies) {
    const std::string h = kHeader + body;
    ASSERT_TRUE(hll::IsValid(h));
    EXPECT_EQ(hll::Estimate(h), std::nullopt) << body.size();
    hll::Registers max{};
    EXPECT_FALSE(hll::MergeInto(h, &max));
    std::string copy = h;
    EXPECT_FALSE(hll::ToDense(&copy));
    EXPECT_EQ(copy, h);
    copy = h;
    EXPECT_EQ(hll::SetRegister(&copy, 5, 40), -1);  // needs the dense form: corrupted
    EXPECT_EQ(copy, h);
  }
  // No opcodes at all: nowhere to put a register.
  std::string empty = kHeader;
  EXPECT_EQ(hll::SetRegister(&empty, 0, 1), -1);
  // 255 zeros then a half XZERO: exactly 16384, valid as Redis reads it.
  const std::string h = kHeader + std::string("\x3f\x3f\x3f\x3e\x7f", 5);
  EXPECT_EQ(hll::Estimate(h), 0u);
}

// Arbitrary bytes after a valid header: every function returns, never reading outside the string
// (AddressSanitizer makes an out-of-bounds read a failure), and a result that says "valid" is
// consistent between the paths.
TEST(HllSketch, ArbitraryBytesNeverCrash) {
  std::mt19937_64 rng(5);
  for (int round = 0; round < 20000; ++round) {
    std::string h = kHeader;
    h[4] = static_cast<char>(rng() % 2);
    if (h[4] == 0) {
      h.resize(hll::kDenseSize);
      for (size_t i = 16; i < h.size(); i += 1 + rng() % 64) h[i] = static_cast<char>(rng());
    } else {
      const size_t n = rng() % 40;
      for (size_t i = 0; i < n; ++i) {
        // Mostly long zero runs so that some bodies add up to 16384.
        h.push_back(static_cast<char>(rng() % 3 == 0 ? rng() : (0x40 | (rng() % 64))));
      }
    }
    ASSERT_TRUE(hll::IsValid(h));
    const std::optional<uint64_t> est = hll::Estimate(h);
    hll::Registers max{};
    const bool merged = hll::MergeInto(h, &max);
    EXPECT_EQ(merged, est.has_value());
    if (merged) {
      EXPECT_EQ(hll::Estimate(max), *est);
    }
    std::string copy = h;
    EXPECT_EQ(hll::ToDense(&copy), merged);
    for (int i = 0; i < 4; ++i) {
      const int r = hll::SetRegister(&h, static_cast<int>(rng() % hll::kRegisters),
                                     1 + static_cast<int>(rng() % 63));
      ASSERT_GE(r, -1);
      ASSERT_LE(r, 1);
      ASSERT_TRUE(hll::IsValid(h));
    }
  }
}

class HllOpsTest : public ::testing::Test {
 protected:
  ManualClock clock_;
  Keyspace ks_{{.shards = 2, .clock = &clock_}};
};

TEST_F(HllOpsTest, AddCountMerge) {
  EXPECT_EQ(*hll_ops::Add(ks_, 0, "h", {}), true);  // created
  EXPECT_EQ(*hll_ops::Add(ks_, 0, "h", {}), false);
  EXPECT_EQ(*hll_ops::Add(ks_, 0, "h", {"a", "b", "c"}), true);
  EXPECT_EQ(*hll_ops::Add(ks_, 0, "h", {"a"}), false);
  EXPECT_EQ(*hll_ops::Count(ks_, 0, {"h"}), 3);
  // The count is cached in the string.
  std::string v = **ks_.Get(0, "h");
  EXPECT_EQ(hll::CachedCardinality(v), 3u);
  EXPECT_EQ(*hll_ops::Count(ks_, 0, {"missing"}), 0);
  EXPECT_FALSE(ks_.KeyExists(0, "missing"));
  EXPECT_EQ(*hll_ops::Add(ks_, 0, "g", {"c", "d"}), true);
  EXPECT_EQ(*hll_ops::Count(ks_, 0, {"h", "g", "missing"}), 4);
  EXPECT_FALSE(ks_.KeyExists(0, "missing"));
  EXPECT_TRUE(hll_ops::Merge(ks_, 0, "u", {"h", "g"}).ok());
  EXPECT_EQ(*hll_ops::Count(ks_, 0, {"u"}), 4);
  EXPECT_TRUE(hll_ops::Merge(ks_, 0, "empty", {}).ok());
  EXPECT_EQ(**ks_.Get(0, "empty"), kHeader.substr(0, 15) + "\x80\x7f\xff");
}

TEST_F(HllOpsTest, ErrorsAndTtl) {
  ks_.Update(0, "l", [](KeyHandle& k) { k.CreateHash().Set("f", "v"); });
  ASSERT_TRUE(ks_.Set(0, "s", "not an hll").ok());
  for (const char* key : {"l", "s"}) {
    const std::string text =
        std::string_view(key) == "l" ? errors::kWrongType : errors::kNotHyperLogLog;
    EXPECT_EQ(hll_ops::Add(ks_, 0, key, {"a"}).status().message(), text);
    EXPECT_EQ(hll_ops::Count(ks_, 0, {key}).status().message(), text);
    EXPECT_EQ(hll_ops::Count(ks_, 0, {"x", key}).status().message(), text);
    EXPECT_EQ(hll_ops::Merge(ks_, 0, "d", {key}).message(), text);
    EXPECT_EQ(hll_ops::Merge(ks_, 0, key, {}).message(), text);
    EXPECT_EQ(hll_ops::Add(ks_, 0, key, {"a"}).status().code(),
              absl::StatusCode::kFailedPrecondition);
  }
  EXPECT_FALSE(ks_.KeyExists(0, "d"));
  std::string corrupted = kHeader + "\x7f\xfe";
  hll::InvalidateCache(&corrupted);
  ASSERT_TRUE(ks_.Set(0, "c", corrupted).ok());
  EXPECT_EQ(hll_ops::Count(ks_, 0, {"c"}).status().message(), errors::kCorruptedHyperLogLog);
  EXPECT_EQ(hll_ops::Merge(ks_, 0, "d", {"c"}).message(), errors::kCorruptedHyperLogLog);
  ASSERT_TRUE(ks_.Set(0, "t", hll::NewSparse(),
                      {.ttl = SetOptions::Ttl::kAt, .expire_at_ms = clock_.NowMs() + 5000})
                  .ok());
  EXPECT_EQ(*hll_ops::Add(ks_, 0, "t", {"x"}), true);
  EXPECT_EQ(*hll_ops::Count(ks_, 0, {"t"}), 1);
  EXPECT_TRUE(hll_ops::Merge(ks_, 0, "t", {"c2"}).ok());
  EXPECT_EQ(ks_.PTtl(0, "t"), 5000);
}

}  // namespace
}  // namespace embedis
