#include "lib/commands/bit_ops.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "lib/commands/args.h"
#include "lib/commands/string_ops.h"
#include "lib/commands/typed_access.h"
#include "lib/util/errors.h"

namespace embedis::bit_ops {
namespace {

absl::Status Error(const char* text) { return errors::FromRedisError(text); }

using Access = typed_access::For<std::string_view>;

int BitAt(std::string_view s, uint64_t pos) {
  return (static_cast<unsigned char>(s[pos >> 3]) >> (7 - (pos & 7))) & 1;
}

// Counts the set bits of s in bit positions lo..hi (inclusive). REQUIRES: lo <= hi < 8 * size.
int64_t CountBits(std::string_view s, int64_t lo, int64_t hi) {
  int64_t n = 0;
  while (lo <= hi && (lo & 7) != 0) n += BitAt(s, lo++);
  while (lo <= hi && (hi & 7) != 7) n += BitAt(s, hi--);
  if (lo > hi) return n;
  for (int64_t byte = lo >> 3; byte <= hi >> 3; ++byte) {
    n += std::popcount(static_cast<unsigned>(static_cast<unsigned char>(s[byte])));
  }
  return n;
}

// The first bit position in lo..hi whose value is `bit`, or -1. REQUIRES: lo <= hi < 8 * size.
int64_t FindBit(std::string_view s, int64_t lo, int64_t hi, bool bit) {
  const unsigned char skip = bit ? 0x00 : 0xFF;  // bytes without the wanted bit
  for (int64_t pos = lo; pos <= hi;) {
    if ((pos & 7) == 0 && pos + 7 <= hi && static_cast<unsigned char>(s[pos >> 3]) == skip) {
      pos += 8;
      continue;
    }
    if (BitAt(s, pos) == static_cast<int>(bit)) return pos;
    ++pos;
  }
  return -1;
}

}  // namespace

absl::StatusOr<uint64_t> ParseBitOffset(std::string_view s) {
  int64_t offset = 0;
  if (!commands::ParseInt64(s, &offset) || offset < 0 ||
      (offset >> 3) >= string_ops::kMaxStringLength) {
    return Error(errors::kBitOffsetOutOfRange);
  }
  return static_cast<uint64_t>(offset);
}

absl::StatusOr<bool> ParseBitValue(std::string_view s) {
  int64_t v = 0;
  if (!commands::ParseInt64(s, &v) || (v != 0 && v != 1)) {
    return Error(errors::kBitValueOutOfRange);
  }
  return v == 1;
}

absl::StatusOr<bool> ParseBitArgument(std::string_view s) {
  int64_t v = 0;
  if (!commands::ParseInt64(s, &v)) return Error(errors::kNotInteger);
  if (v != 0 && v != 1) return Error(errors::kBitArgument);
  return v == 1;
}

absl::StatusOr<int64_t> SetBit(Keyspace& ks, int db, std::string_view key, uint64_t offset,
                               bool on) {
  return Access::Write<int64_t>(ks, db, key, [&](KeyHandle& k) -> int64_t {
    const std::string_view old = k.exists() ? k.string_value() : std::string_view();
    const uint64_t byte = offset >> 3;
    const bool grows = !k.exists() || old.size() <= byte;
    const int previous = old.size() > byte ? BitAt(old, offset) : 0;
    // Redis writes (and signals the key) only when the string grows or the bit changes.
    if (!grows && previous == static_cast<int>(on)) return previous;
    std::string updated(old);
    if (updated.size() <= byte) updated.resize(byte + 1, '\0');
    const unsigned char mask = static_cast<unsigned char>(1u << (7 - (offset & 7)));
    unsigned char b = static_cast<unsigned char>(updated[byte]);
    b = on ? (b | mask) : (b & ~mask);
    updated[byte] = static_cast<char>(b);
    // A modified (or created) buffer: OBJECT ENCODING "raw", as in Redis.
    k.SetString(updated, /*keep_ttl=*/true, StringOrigin::kRaw);
    return previous;
  });
}

absl::StatusOr<int64_t> GetBit(Keyspace& ks, int db, std::string_view key, uint64_t offset) {
  return Access::Read<int64_t>(ks, db, key, [&](const std::string_view* value) -> int64_t {
    if (value == nullptr || value->size() <= (offset >> 3)) return 0;
    return BitAt(*value, offset);
  });
}

absl::StatusOr<int64_t> Count(Keyspace& ks, int db, std::string_view key,
                              const absl::StatusOr<std::optional<Range>>& range) {
  return Access::Read<int64_t>(
      ks, db, key, [&](const std::string_view* value) -> absl::StatusOr<int64_t> {
        if (value == nullptr) return 0;
        if (!range.ok()) return range.status();
        const int64_t len = static_cast<int64_t>(value->size());
        if (!range->has_value()) return len == 0 ? 0 : CountBits(*value, 0, 8 * len - 1);
        const Range& r = **range;
        int64_t start = r.start;
        int64_t end = r.end.value_or(-1);
        const int64_t total = r.bit ? 8 * len : len;
        // Redis: both negative with start > end counts nothing.
        if (start < 0 && end < 0 && start > end) return 0;
        if (start < 0) start += total;
        if (end < 0) end += total;
        if (start < 0) start = 0;
        if (end < 0) end = 0;
        if (end >= total) end = total - 1;
        if (start > end) return 0;
        return r.bit ? CountBits(*value, start, end) : CountBits(*value, 8 * start, 8 * end + 7);
      });
}

absl::StatusOr<int64_t> Pos(Keyspace& ks, int db, std::string_view key, bool bit,
                            const absl::StatusOr<std::optional<Range>>& range) {
  return Access::Read<int64_t>(ks, db, key,
                               [&](const std::string_view* value) -> absl::StatusOr<int64_t> {
                                 // A missing key is an infinite run of zero bits.
                                 if (value == nullptr) return bit ? -1 : 0;
                                 if (!range.ok()) return range.status();
                                 const int64_t len = static_cast<int64_t>(value->size());
                                 int64_t lo = 0;
                                 int64_t hi = 8 * len - 1;
                                 bool end_given = false;
                                 if (range->has_value()) {
                                   const Range& r = **range;
                                   end_given = r.end.has_value();
                                   const int64_t total = r.bit ? 8 * len : len;
                                   int64_t start = r.start;
                                   int64_t end = end_given ? *r.end : total - 1;
                                   if (start < 0) start += total;
                                   if (end < 0) end += total;
                                   if (start < 0) start = 0;
                                   if (end < 0) end = 0;
                                   if (end >= total) end = total - 1;
                                   if (start > end) return -1;
                                   lo = r.bit ? start : 8 * start;
                                   hi = r.bit ? end : 8 * end + 7;
                                 }
                                 if (lo > hi) return -1;  // an empty string
                                 const int64_t found = FindBit(*value, lo, hi, bit);
                                 if (found >= 0 || bit) return found;
                                 // A clear bit past the range: the string is zero-padded, unless
                                 // the range has an end.
                                 return end_given ? -1 : hi + 1;
                               });
}

absl::StatusOr<int64_t> Op(Keyspace& ks, int db, BitOperation op, std::string_view destination,
                           absl::Span<const std::string_view> keys) {
  absl::StatusOr<int64_t> out = 0;
  // One atomic step over the sources and the destination (Keyspace::UpdateMany).
  ks.UpdateMany(db, keys, destination, [&](absl::Span<KeyHandle* const> views, KeyHandle* dest) {
    std::vector<std::string_view> sources;
    sources.reserve(views.size());
    size_t maxlen = 0;
    for (const KeyHandle* k : views) {
      if (k->exists() && k->type() != ValueType::kString) {
        out = errors::WrongTypeError();
        return;
      }
      sources.push_back(k->exists() ? k->string_value() : std::string_view());
      maxlen = std::max(maxlen, sources.back().size());
    }
    std::string result(maxlen, '\0');
    for (size_t j = 0; j < maxlen; ++j) {
      auto at = [&](size_t i) -> unsigned char {
        return j < sources[i].size() ? static_cast<unsigned char>(sources[i][j]) : 0;
      };
      unsigned char byte = at(0);
      if (op == BitOperation::kNot) byte = static_cast<unsigned char>(~byte);
      for (size_t i = 1; i < sources.size(); ++i) {
        switch (op) {
          case BitOperation::kAnd:
            byte &= at(i);
            break;
          case BitOperation::kOr:
            byte |= at(i);
            break;
          case BitOperation::kXor:
            byte ^= at(i);
            break;
          case BitOperation::kNot:
            break;
        }
      }
      result[j] = static_cast<char>(byte);
    }
    // The sources are not read past this point (dest may be one of them).
    if (dest->exists() && (maxlen == 0 || dest->type() != ValueType::kString)) dest->Delete();
    if (maxlen > 0) dest->SetString(result, /*keep_ttl=*/false, StringOrigin::kRaw);
    out = static_cast<int64_t>(maxlen);
  });
  return out;
}

}  // namespace embedis::bit_ops
