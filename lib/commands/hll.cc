#include "lib/commands/hll.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

namespace embedis::hll {
namespace {

constexpr size_t kDenseBytes = kDenseSize - kHeaderSize;  // 12288
constexpr uint8_t kEncodingDense = 0;
constexpr uint8_t kEncodingSparse = 1;
constexpr int kQ = 64 - kPrecision;  // hash bits left after the index: counts are 1..kQ + 1

// Sparse opcodes.
constexpr int kSparseMaxValue = 32;
constexpr int kSparseValMaxLen = 4;
constexpr int kSparseZeroMaxLen = 64;

bool IsZeroOp(uint8_t op) { return (op & 0xc0) == 0; }
bool IsXZeroOp(uint8_t op) { return (op & 0xc0) == 0x40; }
bool IsValOp(uint8_t op) { return (op & 0x80) != 0; }
int ZeroLen(uint8_t op) { return (op & 0x3f) + 1; }
int XZeroLen(uint8_t op, uint8_t next) { return (((op & 0x3f) << 8) | next) + 1; }
int ValValue(uint8_t op) { return ((op >> 2) & 0x1f) + 1; }
int ValLen(uint8_t op) { return (op & 0x3) + 1; }
uint8_t ZeroOp(int len) { return static_cast<uint8_t>(len - 1); }
uint8_t ValOp(int value, int len) {
  return static_cast<uint8_t>(0x80 | ((value - 1) << 2) | (len - 1));
}
void AppendXZero(std::string* out, int len) {
  out->push_back(static_cast<char>(0x40 | ((len - 1) >> 8)));
  out->push_back(static_cast<char>((len - 1) & 0xff));
}
// A ZERO opcode when the run fits one, else an XZERO.
void AppendZeros(std::string* out, int len) {
  if (len > kSparseZeroMaxLen) {
    AppendXZero(out, len);
  } else {
    out->push_back(static_cast<char>(ZeroOp(len)));
  }
}

// The byte at `pos`, or the zero of Redis's string terminator at and past the end.
uint8_t ByteAt(std::string_view s, size_t pos) {
  return pos < s.size() ? static_cast<uint8_t>(s[pos]) : 0;
}

// One sparse opcode at `pos`: how many registers it covers, their value (0 for the zero runs),
// and its length in bytes.
struct Op {
  int run;
  int value;
  int bytes;
};
Op ReadOp(std::string_view s, size_t pos) {
  const uint8_t op = ByteAt(s, pos);
  if (IsZeroOp(op)) return {ZeroLen(op), 0, 1};
  if (IsXZeroOp(op)) return {XZeroLen(op, ByteAt(s, pos + 1)), 0, 2};
  return {ValLen(op), ValValue(op), 1};
}

// Walks a sparse body, calling fn(first_register, run, value) for each VAL opcode. Returns
// whether the opcodes cover exactly kRegisters registers; stops (false) at the first opcode that
// would pass the last register, as Redis does since the fix for CVE-2025-32023 (older Redis
// accepted VAL opcodes past the end in some paths and wrapped its int counter around).
template <typename Fn>
bool ForEachSparseRun(std::string_view s, Fn&& fn) {
  int idx = 0;
  size_t p = kHeaderSize;
  while (p < s.size()) {
    const Op op = ReadOp(s, p);
    if (op.run > kRegisters - idx) return false;
    if (op.value != 0) fn(idx, op.run, op.value);
    idx += op.run;
    p += op.bytes;
  }
  return idx == kRegisters;
}

// Dense registers: register i at bits 6i..6i+5 of the little-endian packed bytes.
int DenseGet(const uint8_t* regs, int index) {
  const size_t bit = static_cast<size_t>(index) * 6;
  const size_t byte = bit / 8;
  const unsigned shift = bit & 7;
  const unsigned b0 = regs[byte];
  const unsigned b1 = byte + 1 < kDenseBytes ? regs[byte + 1] : 0;
  return static_cast<int>(((b0 >> shift) | (b1 << (8 - shift))) & kMaxRegister);
}

void DenseSetValue(uint8_t* regs, int index, int value) {
  const size_t bit = static_cast<size_t>(index) * 6;
  const size_t byte = bit / 8;
  const unsigned shift = bit & 7;
  const unsigned v = static_cast<unsigned>(value);
  regs[byte] = static_cast<uint8_t>((regs[byte] & ~(kMaxRegister << shift)) | (v << shift));
  if (byte + 1 < kDenseBytes) {
    const unsigned high = 8 - shift;
    regs[byte + 1] = static_cast<uint8_t>((regs[byte + 1] & ~(kMaxRegister >> high)) | (v >> high));
  }
}

int DenseRaise(uint8_t* regs, int index, int count) {
  if (DenseGet(regs, index) >= count) return 0;
  DenseSetValue(regs, index, count);
  return 1;
}

uint8_t* DenseRegisters(std::string* hll) {
  return reinterpret_cast<uint8_t*>(hll->data()) + kHeaderSize;
}
const uint8_t* DenseRegisters(std::string_view hll) {
  return reinterpret_cast<const uint8_t*>(hll.data()) + kHeaderSize;
}

// Every 3 bytes of the dense body hold 4 registers.
template <typename Fn>
void ForEachDense(const uint8_t* regs, Fn&& fn) {
  for (size_t b = 0, i = 0; b < kDenseBytes; b += 3, i += 4) {
    const unsigned x = regs[b] | (regs[b + 1] << 8) | (regs[b + 2] << 16);
    fn(i, x & 63);
    fn(i + 1, (x >> 6) & 63);
    fn(i + 2, (x >> 12) & 63);
    fn(i + 3, (x >> 18) & 63);
  }
}

// Redis's sparse update: find the opcode covering `index`, replace it by up to three opcodes
// (the run before, the new VAL, the run after), then merge neighbouring VALs of equal value. See
// SetRegister. Returns 2 when the update needs the dense form (too large a value, or too long).
int SparseRaise(std::string* hll, int index, int count, size_t sparse_max_bytes) {
  if (count > kSparseMaxValue) return 2;
  const size_t end = hll->size();
  size_t p = kHeaderSize;
  size_t prev = 0;  // 0: none
  int64_t first = 0;
  Op op{0, 0, 1};
  while (p < end) {
    op = ReadOp(*hll, p);
    if (index <= first + op.run - 1) break;
    prev = p;
    p += op.bytes;
    first += op.run;
  }
  if (op.run == 0 || p >= end) return -1;

  if (op.value >= count) return 0;  // a VAL already as high (zero runs have value 0)
  std::string& h = *hll;
  if ((op.value != 0 || op.bytes == 1) && op.run == 1) {
    // A VAL or ZERO of one register: rewritten in place.
    h[p] = static_cast<char>(ValOp(count, 1));
  } else {
    std::string seq;
    const int64_t last = first + op.run - 1;
    const int before = static_cast<int>(index - first);
    const int after = static_cast<int>(last - index);
    if (op.value == 0) {
      if (before > 0) AppendZeros(&seq, before);
      seq.push_back(static_cast<char>(ValOp(count, 1)));
      if (after > 0) AppendZeros(&seq, after);
    } else {
      if (before > 0) seq.push_back(static_cast<char>(ValOp(op.value, before)));
      seq.push_back(static_cast<char>(ValOp(count, 1)));
      if (after > 0) seq.push_back(static_cast<char>(ValOp(op.value, after)));
    }
    const int64_t delta = static_cast<int64_t>(seq.size()) - op.bytes;
    if (delta > 0 && end + delta > sparse_max_bytes) return 2;
    h.replace(p, std::min<size_t>(op.bytes, end - p), seq);
    // An XZERO cut in half at the end (its second byte read as the terminator's zero): Redis's
    // length arithmetic drops the last byte written, and so does this.
    h.resize(end + delta);
  }

  // Merge adjacent VALs of equal value, scanning up to 5 opcodes from the one before the update.
  size_t q = prev != 0 ? prev : kHeaderSize;
  for (int scan = 5; q < h.size() && scan > 0; --scan) {
    const uint8_t a = static_cast<uint8_t>(h[q]);
    if (IsXZeroOp(a)) {
      q += 2;
      continue;
    }
    if (IsZeroOp(a)) {
      ++q;
      continue;
    }
    if (q + 1 < h.size() && IsValOp(static_cast<uint8_t>(h[q + 1]))) {
      const uint8_t b = static_cast<uint8_t>(h[q + 1]);
      const int len = ValLen(a) + ValLen(b);
      if (ValValue(a) == ValValue(b) && len <= kSparseValMaxLen) {
        h[q + 1] = static_cast<char>(ValOp(ValValue(a), len));
        h.erase(q, 1);
        continue;  // try the merged opcode with its right neighbour
      }
    }
    ++q;
  }
  InvalidateCache(hll);
  return 1;
}

double Sigma(double x) {
  if (x == 1.) return INFINITY;
  double y = 1;
  double z = x;
  double z_prev;
  do {
    x *= x;
    z_prev = z;
    z += x * y;
    y += y;
  } while (z_prev != z);
  return z;
}

double Tau(double x) {
  if (x == 0. || x == 1.) return 0.;
  double y = 1.0;
  double z = 1 - x;
  double z_prev;
  do {
    x = std::sqrt(x);
    z_prev = z;
    y *= 0.5;
    z -= std::pow(1 - x, 2) * y;
  } while (z_prev != z);
  return z / 3;
}

}  // namespace

uint64_t MurmurHash64A(std::string_view data, uint64_t seed) {
  constexpr uint64_t m = 0xc6a4a7935bd1e995ULL;
  constexpr int r = 47;
  const size_t len = data.size();
  uint64_t h = seed ^ (static_cast<uint64_t>(len) * m);
  const unsigned char* p = reinterpret_cast<const unsigned char*>(data.data());
  const unsigned char* blocks_end = p + (len - (len & 7));
  for (; p != blocks_end; p += 8) {
    uint64_t k = 0;
    for (int i = 7; i >= 0; --i) k = (k << 8) | p[i];  // little-endian, alignment-free
    k *= m;
    k ^= k >> r;
    k *= m;
    h ^= k;
    h *= m;
  }
  const size_t tail = len & 7;
  if (tail != 0) {
    for (size_t i = tail; i-- > 0;) h ^= static_cast<uint64_t>(p[i]) << (8 * i);
    h *= m;
  }
  h ^= h >> r;
  h *= m;
  h ^= h >> r;
  return h;
}

Pattern HashElement(std::string_view element) {
  uint64_t hash = MurmurHash64A(element, kHashSeed);
  Pattern pat;
  pat.index = static_cast<int>(hash & (kRegisters - 1));
  hash >>= kPrecision;
  hash |= uint64_t{1} << kQ;  // a sentinel: at most kQ zero bits before a one
  pat.count = std::countr_zero(hash) + 1;
  return pat;
}

std::string NewSparse() {
  std::string s(kHeaderSize, '\0');
  std::memcpy(s.data(), "HYLL", 4);
  s[4] = static_cast<char>(kEncodingSparse);
  AppendXZero(&s, kRegisters);
  return s;
}

bool IsValid(std::string_view bytes) {
  if (bytes.size() < kHeaderSize || bytes.substr(0, 4) != "HYLL") return false;
  const uint8_t encoding = static_cast<uint8_t>(bytes[4]);
  if (encoding > kEncodingSparse) return false;
  return encoding != kEncodingDense || bytes.size() == kDenseSize;
}

bool IsDense(std::string_view bytes) { return static_cast<uint8_t>(bytes[4]) == kEncodingDense; }

std::optional<uint64_t> CachedCardinality(std::string_view bytes) {
  if ((static_cast<uint8_t>(bytes[15]) & 0x80) != 0) return std::nullopt;
  uint64_t card = 0;
  for (int i = 7; i >= 0; --i) card = (card << 8) | static_cast<uint8_t>(bytes[8 + i]);
  return card;
}

void SetCachedCardinality(std::string* hll, uint64_t card) {
  for (int i = 0; i < 8; ++i) (*hll)[8 + i] = static_cast<char>((card >> (8 * i)) & 0xff);
}

void InvalidateCache(std::string* hll) {
  (*hll)[15] = static_cast<char>(static_cast<uint8_t>((*hll)[15]) | 0x80);
}

bool ToDense(std::string* hll) {
  if (IsDense(*hll)) return true;
  std::string dense(kDenseSize, '\0');
  std::memcpy(dense.data(), hll->data(), kHeaderSize);
  dense[4] = static_cast<char>(kEncodingDense);
  uint8_t* regs = DenseRegisters(&dense);
  const bool ok = ForEachSparseRun(*hll, [&](int first, int run, int value) {
    for (int i = 0; i < run; ++i) DenseSetValue(regs, first + i, value);
  });
  if (!ok) return false;
  *hll = std::move(dense);
  return true;
}

int DenseRegister(std::string_view bytes, int index) {
  return DenseGet(DenseRegisters(bytes), index);
}

int SetRegister(std::string* hll, int index, int count, size_t sparse_max_bytes) {
  if (IsDense(*hll)) return DenseRaise(DenseRegisters(hll), index, count);
  const int r = SparseRaise(hll, index, count, sparse_max_bytes);
  if (r != 2) return r;
  if (!ToDense(hll)) return -1;
  return DenseRaise(DenseRegisters(hll), index, count);
}

void RaiseAll(std::string* hll, const Registers& max, size_t sparse_max_bytes) {
  for (int i = 0; i < kRegisters && !IsDense(*hll); ++i) {
    if (max[i] != 0) SetRegister(hll, i, max[i], sparse_max_bytes);
  }
  if (!IsDense(*hll)) return;
  // Dense: 4 registers per 3 bytes, each group re-packed with the maxima.
  uint8_t* regs = DenseRegisters(hll);
  for (size_t b = 0, i = 0; b < kDenseBytes; b += 3, i += 4) {
    unsigned x = regs[b] | (regs[b + 1] << 8) | (regs[b + 2] << 16);
    unsigned out = 0;
    for (int j = 0; j < 4; ++j) {
      const unsigned have = (x >> (6 * j)) & 63;
      out |= std::max<unsigned>(have, max[i + j]) << (6 * j);
    }
    regs[b] = static_cast<uint8_t>(out);
    regs[b + 1] = static_cast<uint8_t>(out >> 8);
    regs[b + 2] = static_cast<uint8_t>(out >> 16);
  }
}

int Add(std::string* hll, std::string_view element, size_t sparse_max_bytes) {
  const Pattern pat = HashElement(element);
  return SetRegister(hll, pat.index, pat.count, sparse_max_bytes);
}

bool MergeInto(std::string_view bytes, Registers* max) {
  Registers& m = *max;
  if (IsDense(bytes)) {
    ForEachDense(DenseRegisters(bytes), [&](size_t i, unsigned v) {
      if (v > m[i]) m[i] = static_cast<uint8_t>(v);
    });
    return true;
  }
  return ForEachSparseRun(bytes, [&](int first, int run, int value) {
    for (int i = first; i < first + run; ++i) {
      if (value > m[i]) m[i] = static_cast<uint8_t>(value);
    }
  });
}

std::optional<uint64_t> Estimate(std::string_view bytes) {
  std::array<int, 64> histogram{};
  if (IsDense(bytes)) {
    // Four histograms, one per register of a 3-byte group, so that neighbouring registers of
    // equal value do not wait on each other's increment.
    std::array<std::array<int, 64>, 4> parts{};
    ForEachDense(DenseRegisters(bytes), [&](size_t i, unsigned v) { ++parts[i & 3][v]; });
    for (int v = 0; v < 64; ++v) {
      histogram[v] = parts[0][v] + parts[1][v] + parts[2][v] + parts[3][v];
    }
    return EstimateFromHistogram(histogram);
  }
  int nonzero = 0;
  const bool ok = ForEachSparseRun(bytes, [&](int, int run, int value) {
    histogram[value] += run;
    nonzero += run;
  });
  if (!ok) return std::nullopt;
  histogram[0] = kRegisters - nonzero;
  return EstimateFromHistogram(histogram);
}

uint64_t Estimate(const Registers& registers) {
  std::array<int, 64> histogram{};
  for (uint8_t v : registers) ++histogram[v & 63];
  return EstimateFromHistogram(histogram);
}

uint64_t EstimateFromHistogram(const std::array<int, 64>& histogram) {
  constexpr double kAlphaInf = 0.721347520444481703680;  // 0.5 / ln(2)
  const double m = kRegisters;
  double z = m * Tau((m - histogram[kQ + 1]) / m);
  for (int j = kQ; j >= 1; --j) {
    z += histogram[j];
    z *= 0.5;
  }
  z += m * Sigma(histogram[0] / m);
  return static_cast<uint64_t>(std::llround(kAlphaInf * m * m / z));
}

}  // namespace embedis::hll
