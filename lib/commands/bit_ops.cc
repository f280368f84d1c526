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

// The `bits`-bit field at bit `offset` of s, most significant bit first, as an unsigned number;
// bits past the end of s read as zeros. REQUIRES: 1 <= bits <= 64.
uint64_t ReadField(std::string_view s, uint64_t offset, int bits) {
  uint64_t v = 0;
  for (int i = 0; i < bits; ++i) {
    const uint64_t pos = offset + static_cast<uint64_t>(i);
    const int bit = (pos >> 3) < s.size() ? BitAt(s, pos) : 0;
    v = (v << 1) | static_cast<uint64_t>(bit);
  }
  return v;
}

// Writes the low `bits` bits of v at bit `offset`. REQUIRES: the field lies inside s.
void WriteField(absl::Span<char> s, uint64_t offset, int bits, uint64_t v) {
  for (int i = 0; i < bits; ++i) {
    const uint64_t pos = offset + static_cast<uint64_t>(i);
    const uint64_t bit = (v >> (bits - 1 - i)) & 1;
    const unsigned char mask = static_cast<unsigned char>(1u << (7 - (pos & 7)));
    unsigned char b = static_cast<unsigned char>(s[pos >> 3]);
    b = bit ? (b | mask) : (b & ~mask);
    s[pos >> 3] = static_cast<char>(b);
  }
}

// A field's value as the command replies it: sign-extended for a signed type.
int64_t FieldValue(FieldType type, uint64_t raw) {
  if (type.is_signed && type.bits < 64 && ((raw >> (type.bits - 1)) & 1) != 0) {
    raw |= ~uint64_t{0} << type.bits;
  }
  return static_cast<int64_t>(raw);  // modular (C++20)
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
    // Edited in place, grown with zero bytes if needed (OBJECT ENCODING "raw", as in Redis).
    const absl::Span<char> bytes = k.MutableString(byte + 1);
    const unsigned char mask = static_cast<unsigned char>(1u << (7 - (offset & 7)));
    unsigned char b = static_cast<unsigned char>(bytes[byte]);
    b = on ? (b | mask) : (b & ~mask);
    bytes[byte] = static_cast<char>(b);
    k.Touch();  // the string grew or the bit changed
    k.Notify(kNotifyString, "setbit");
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
    const bool existed = dest->exists();
    if (existed && (maxlen == 0 || dest->type() != ValueType::kString)) dest->Delete();
    if (maxlen > 0) {
      dest->SetString(result, /*keep_ttl=*/false, StringOrigin::kRaw);
      dest->Notify(kNotifyString, "set");
    } else if (existed) {
      dest->Notify(kNotifyGeneric, "del");
    }
    out = static_cast<int64_t>(maxlen);
  });
  return out;
}

absl::StatusOr<FieldType> ParseFieldType(std::string_view s) {
  FieldType t;
  if (s.empty() || (s[0] != 'i' && s[0] != 'u')) return Error(errors::kBitfieldType);
  t.is_signed = s[0] == 'i';
  std::string_view width = s.substr(1);
  width = width.substr(0, width.find('\0'));  // Redis reads the width with strlen
  int64_t bits = 0;
  if (!commands::ParseInt64(width, &bits) || bits < 1 || bits > (t.is_signed ? 64 : 63)) {
    return Error(errors::kBitfieldType);
  }
  t.bits = static_cast<int>(bits);
  return t;
}

absl::StatusOr<uint64_t> ParseFieldOffset(std::string_view s, int bits) {
  const bool hash = !s.empty() && s[0] == '#';
  int64_t offset = 0;
  if (!commands::ParseInt64(s.substr(hash ? 1 : 0), &offset)) {
    return Error(errors::kBitOffsetOutOfRange);
  }
  // Redis multiplies in a long long; the product wraps (computed unsigned here: no UB).
  if (hash) {
    offset = static_cast<int64_t>(static_cast<uint64_t>(offset) * static_cast<uint64_t>(bits));
  }
  if (offset < 0 || (offset >> 3) >= string_ops::kMaxStringLength) {
    return Error(errors::kBitOffsetOutOfRange);
  }
  return static_cast<uint64_t>(offset);
}

absl::StatusOr<std::vector<FieldOp>> ParseFieldOps(absl::Span<const std::string_view> args) {
  std::vector<FieldOp> ops;
  Overflow overflow = Overflow::kWrap;
  for (size_t j = 0; j < args.size(); ++j) {
    const size_t more = args.size() - j - 1;
    const std::string_view sub = args[j];
    FieldOp op;
    if (commands::EqualsIgnoreCase(sub, "get") && more >= 2) {
      op.kind = FieldOp::Kind::kGet;
    } else if (commands::EqualsIgnoreCase(sub, "set") && more >= 3) {
      op.kind = FieldOp::Kind::kSet;
    } else if (commands::EqualsIgnoreCase(sub, "incrby") && more >= 3) {
      op.kind = FieldOp::Kind::kIncrBy;
    } else if (commands::EqualsIgnoreCase(sub, "overflow") && more >= 1) {
      const std::string_view mode = args[++j];
      if (commands::EqualsIgnoreCase(mode, "wrap")) {
        overflow = Overflow::kWrap;
      } else if (commands::EqualsIgnoreCase(mode, "sat")) {
        overflow = Overflow::kSat;
      } else if (commands::EqualsIgnoreCase(mode, "fail")) {
        overflow = Overflow::kFail;
      } else {
        return Error(errors::kBitfieldOverflowType);
      }
      continue;
    } else {
      return Error(errors::kSyntax);
    }
    absl::StatusOr<FieldType> type = ParseFieldType(args[j + 1]);
    if (!type.ok()) return type.status();
    absl::StatusOr<uint64_t> offset = ParseFieldOffset(args[j + 2], type->bits);
    if (!offset.ok()) return offset.status();
    if (op.kind != FieldOp::Kind::kGet) {
      absl::StatusOr<int64_t> value = commands::ParseInteger(args[j + 3]);
      if (!value.ok()) return value.status();
      op.value = *value;
    }
    op.type = *type;
    op.offset = *offset;
    op.overflow = overflow;
    ops.push_back(op);
    j += op.kind == FieldOp::Kind::kGet ? 2 : 3;
  }
  return ops;
}

bool FieldArgsAreReadOnly(absl::Span<const std::string_view> args) {
  for (size_t j = 0; j < args.size(); ++j) {
    const size_t more = args.size() - j - 1;
    if (commands::EqualsIgnoreCase(args[j], "get") && more >= 2) {
      j += 2;
    } else if (commands::EqualsIgnoreCase(args[j], "overflow") && more >= 1) {
      j += 1;
    } else {
      return false;  // a write, or a syntax error: Redis assumes a write
    }
  }
  return true;
}

FieldResult FieldArithmetic(FieldType type, FieldOp::Kind kind, int64_t old, int64_t value,
                            Overflow overflow) {
  // Redis 7.0's checkSignedBitfieldOverflow and checkUnsignedBitfieldOverflow, step by step: SET
  // checks `value` with an increment of 0, INCRBY checks `old` plus `value`. Their limits can
  // wrap (SET i63 -2^62-1 counts as too big, so SAT stores the maximum): every subtraction that
  // may wrap is computed unsigned here, where Redis relies on the wrap of signed overflow.
  const bool set = kind == FieldOp::Kind::kSet;
  const int bits = type.bits;
  const uint64_t v = static_cast<uint64_t>(set ? value : old);
  const int64_t incr = set ? 0 : value;
  auto wrap = [&]() -> FieldResult {
    uint64_t c = v + static_cast<uint64_t>(incr);  // modular
    if (bits < 64) {
      const uint64_t mask = ~uint64_t{0} << bits;
      const bool negative = type.is_signed && (c & (uint64_t{1} << (bits - 1))) != 0;
      c = negative ? (c | mask) : (c & ~mask);
    }
    return {static_cast<int64_t>(c), true};
  };
  int direction = 0;  // 1: above the maximum, -1: below the minimum
  int64_t limit_max = 0;
  int64_t limit_min = 0;
  if (type.is_signed) {
    const int64_t sv = static_cast<int64_t>(v);
    const int64_t max = bits == 64 ? INT64_MAX : (int64_t{1} << (bits - 1)) - 1;
    const int64_t min = -max - 1;
    const int64_t maxincr = static_cast<int64_t>(static_cast<uint64_t>(max) - v);
    const int64_t minincr = static_cast<int64_t>(static_cast<uint64_t>(min) - v);
    if (sv > max || (bits != 64 && incr > maxincr) || (sv >= 0 && incr > 0 && incr > maxincr)) {
      direction = 1;
    } else if (sv < min || (bits != 64 && incr < minincr) ||
               (sv < 0 && incr < 0 && incr < minincr)) {
      direction = -1;
    }
    limit_max = max;
    limit_min = min;
  } else {
    const uint64_t max = (uint64_t{1} << bits) - 1;  // bits <= 63
    const int64_t maxincr = static_cast<int64_t>(max - v);
    const int64_t minincr = static_cast<int64_t>(uint64_t{0} - v);
    if (v > max || (incr > 0 && incr > maxincr)) {
      direction = 1;
    } else if (incr < 0 && incr < minincr) {
      direction = -1;
    }
    limit_max = static_cast<int64_t>(max);
    limit_min = 0;
  }
  if (direction == 0) {
    return {static_cast<int64_t>(v + static_cast<uint64_t>(incr)), false};  // exact: no wrap
  }
  if (overflow == Overflow::kSat) return {direction > 0 ? limit_max : limit_min, true};
  return wrap();  // kWrap; kFail writes nothing
}

absl::StatusOr<std::vector<std::optional<int64_t>>> Field(Keyspace& ks, int db,
                                                          std::string_view key,
                                                          absl::Span<const FieldOp> ops,
                                                          bool read_only) {
  using Replies = std::vector<std::optional<int64_t>>;
  auto get = [](std::string_view s, const FieldOp& op) {
    return FieldValue(op.type, ReadField(s, op.offset, op.type.bits));
  };
  const bool writes = std::any_of(ops.begin(), ops.end(),
                                  [](const FieldOp& op) { return op.kind != FieldOp::Kind::kGet; });
  if (!writes) {
    return Access::Read<Replies>(ks, db, key, [&](const std::string_view* value) {
      Replies out;
      out.reserve(ops.size());
      for (const FieldOp& op : ops) out.push_back(get(value ? *value : std::string_view(), op));
      return out;
    });
  }
  if (read_only) return Error(errors::kBitfieldRoGetOnly);
  uint64_t highest = 0;  // the farthest bit a write touches
  for (const FieldOp& op : ops) {
    if (op.kind != FieldOp::Kind::kGet) {
      highest = std::max(highest, op.offset + static_cast<uint64_t>(op.type.bits) - 1);
    }
  }
  return Access::Write<Replies>(ks, db, key, [&](KeyHandle& k) {
    // Grown once, before the first op, and edited in place; Redis unshares the value (OBJECT
    // ENCODING "raw") whatever the ops do. It signals the key only if a write that did not fail
    // grew the string or changed its field (a failed write can still have created the key).
    const bool grew = !k.exists() || k.string_value().size() <= (highest >> 3);
    const absl::Span<char> bytes = k.MutableString((highest >> 3) + 1);
    const std::string_view s(bytes.data(), bytes.size());
    Replies out;
    out.reserve(ops.size());
    bool signalled = false;
    for (const FieldOp& op : ops) {
      const int64_t old = get(s, op);
      if (op.kind == FieldOp::Kind::kGet) {
        out.push_back(old);
        continue;
      }
      const FieldResult r = FieldArithmetic(op.type, op.kind, old, op.value, op.overflow);
      if (r.overflow && op.overflow == Overflow::kFail) {
        out.push_back(std::nullopt);
        continue;
      }
      WriteField(bytes, op.offset, op.type.bits, static_cast<uint64_t>(r.stored));
      if ((grew || r.stored != old) && !signalled) {
        k.Touch();
        k.Notify(kNotifyString, "setbit");
        signalled = true;
      }
      out.push_back(op.kind == FieldOp::Kind::kSet ? old : r.stored);
    }
    return out;
  });
}

}  // namespace embedis::bit_ops
