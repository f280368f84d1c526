#include "lib/commands/string_ops.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <utility>

#include "lib/commands/args.h"
#include "lib/util/errors.h"

namespace embedis::string_ops {
namespace {

absl::Status Error(const char* text) { return errors::FromRedisError(text); }

// Redis's checkStringLength: whether a string of `size` bytes with `append` more may be built.
// Both are non-negative; their sum is computed without overflow (SETRANGE's offset can be
// anything up to 2^63 - 1).
bool StringLengthOk(int64_t size, uint64_t append) {
  return append <= static_cast<uint64_t>(kMaxStringLength) &&
         size <= kMaxStringLength - static_cast<int64_t>(append);
}

// Runs fn(std::string_view* value) for a read (value == nullptr when the key is missing) and
// returns its result; WRONGTYPE for a key of another type. Counts a keyspace hit or miss.
template <typename T, typename Fn>
absl::StatusOr<T> Read(Keyspace& ks, int db, std::string_view key, Fn&& fn) {
  absl::StatusOr<T> out = Error(errors::kWrongType);
  ks.Update(
      db, key,
      [&](KeyHandle& k) {
        if (!k.exists()) {
          out = fn(static_cast<const std::string_view*>(nullptr));
        } else if (k.type() == ValueType::kString) {
          const std::string_view value = k.string_value();
          out = fn(&value);
        }
      },
      Keyspace::Lookup::kRead);
  return out;
}

// Runs fn(KeyHandle& k) for a write on an existing string or a missing key (k.exists() tells);
// WRONGTYPE for a key of another type. `lookup` kReadThenWrite counts a keyspace hit or miss
// (GETDEL, GETEX look the key up as reads do in Redis).
template <typename T, typename Fn>
absl::StatusOr<T> Write(Keyspace& ks, int db, std::string_view key, Fn&& fn,
                        Keyspace::Lookup lookup = Keyspace::Lookup::kWrite) {
  absl::StatusOr<T> out = Error(errors::kWrongType);
  ks.Update(
      db, key,
      [&](KeyHandle& k) {
        if (!k.exists() || k.type() == ValueType::kString) out = fn(k);
      },
      lookup);
  return out;
}

}  // namespace

absl::StatusOr<int64_t> IncrBy(Keyspace& ks, int db, std::string_view key, int64_t by) {
  return Write<int64_t>(ks, db, key, [&](KeyHandle& k) -> absl::StatusOr<int64_t> {
    int64_t current = 0;
    if (k.exists() && !commands::ParseInt64(k.string_value(), &current)) {
      return Error(errors::kNotInteger);
    }
    if ((by < 0 && current < 0 && by < std::numeric_limits<int64_t>::min() - current) ||
        (by > 0 && current > 0 && by > std::numeric_limits<int64_t>::max() - current)) {
      return Error(errors::kOverflow);
    }
    const int64_t result = current + by;
    char buf[24];
    const char* end = std::to_chars(buf, buf + sizeof(buf), result).ptr;
    k.SetString(std::string_view(buf, end - buf), /*keep_ttl=*/true);
    k.Notify(kNotifyString, "incrby");
    return result;
  });
}

absl::StatusOr<std::string> IncrByFloat(Keyspace& ks, int db, std::string_view key,
                                        absl::StatusOr<long double> by) {
  return Write<std::string>(ks, db, key, [&](KeyHandle& k) -> absl::StatusOr<std::string> {
    long double current = 0;
    if (k.exists() && !commands::ParseLongDouble(k.string_value(), &current)) {
      return Error(errors::kNotFloat);
    }
    if (!by.ok()) return by.status();
    const long double result = current + *by;
    if (std::isnan(result) || std::isinf(result)) return Error(errors::kIncrNanOrInfinity);
    std::string formatted = commands::FormatLongDoubleHuman(result);
    // Redis stores the result as a plain string: OBJECT ENCODING "embstr" (or "raw"), never "int".
    k.SetString(formatted, /*keep_ttl=*/true, StringOrigin::kFloat);
    k.Notify(kNotifyString, "incrbyfloat");
    return formatted;
  });
}

absl::StatusOr<int64_t> Append(Keyspace& ks, int db, std::string_view key, std::string_view value) {
  return Write<int64_t>(ks, db, key, [&](KeyHandle& k) -> absl::StatusOr<int64_t> {
    const size_t old = k.exists() ? k.string_value().size() : 0;
    if (!StringLengthOk(static_cast<int64_t>(old), value.size())) {
      return Error(errors::kStringTooLong);
    }
    k.AppendString(value);
    k.Notify(kNotifyString, "append");
    return static_cast<int64_t>(old + value.size());
  });
}

absl::StatusOr<int64_t> StrLen(Keyspace& ks, int db, std::string_view key) {
  return Read<int64_t>(ks, db, key, [](const std::string_view* value) -> int64_t {
    return value == nullptr ? 0 : static_cast<int64_t>(value->size());
  });
}

absl::StatusOr<std::string> GetRange(Keyspace& ks, int db, std::string_view key, int64_t start,
                                     int64_t stop) {
  return Read<std::string>(ks, db, key, [&](const std::string_view* value) -> std::string {
    if (value == nullptr) return "";
    const int64_t len = static_cast<int64_t>(value->size());
    // Redis: start and stop both negative with start > stop -> empty.
    if (start < 0 && stop < 0 && start > stop) return "";
    if (start < 0) start = len + start;
    if (stop < 0) stop = len + stop;
    if (start < 0) start = 0;
    if (stop < 0) stop = 0;
    if (stop >= len) stop = len - 1;
    if (len == 0 || start > stop) return "";
    return std::string(value->substr(start, stop - start + 1));
  });
}

absl::StatusOr<int64_t> SetRange(Keyspace& ks, int db, std::string_view key, int64_t offset,
                                 std::string_view value) {
  return Write<int64_t>(ks, db, key, [&](KeyHandle& k) -> absl::StatusOr<int64_t> {
    const std::string_view old = k.exists() ? k.string_value() : std::string_view();
    // Nothing to write: no key is created, the length is reported.
    if (value.empty()) return static_cast<int64_t>(old.size());
    if (!StringLengthOk(offset, value.size())) return Error(errors::kStringTooLong);
    // Edited in place, zero-padded if it grows (OBJECT ENCODING "raw", as in Redis).
    const absl::Span<char> bytes = k.MutableString(offset + value.size());
    std::memcpy(bytes.data() + offset, value.data(), value.size());
    k.Touch();  // Redis signals a SETRANGE even when the bytes were already there
    k.Notify(kNotifyString, "setrange");
    return static_cast<int64_t>(bytes.size());
  });
}

absl::StatusOr<std::optional<std::string>> GetDel(Keyspace& ks, int db, std::string_view key) {
  using Result = std::optional<std::string>;
  return Write<Result>(
      ks, db, key,
      [](KeyHandle& k) -> Result {
        if (!k.exists()) return std::nullopt;
        Result value(k.string_value());
        k.Delete();
        k.Notify(kNotifyGeneric, "del");
        return value;
      },
      Keyspace::Lookup::kReadThenWrite);
}

absl::StatusOr<std::optional<std::string>> GetEx(Keyspace& ks, int db, std::string_view key,
                                                 const GetExOptions& options) {
  using Result = std::optional<std::string>;
  return Write<Result>(
      ks, db, key,
      [&](KeyHandle& k) -> absl::StatusOr<Result> {
        if (!k.exists()) return std::nullopt;
        if (!options.expire_at_ms.ok()) return options.expire_at_ms.status();
        Result value(k.string_value());
        if (options.expire_at_ms->has_value()) {
          k.SetExpireAt(**options.expire_at_ms);
          // A deadline already passed deletes the key: Redis then signals "del".
          k.Notify(kNotifyGeneric, k.exists() ? "expire" : "del");
        } else if (options.persist && k.expire_at_ms() >= 0) {
          k.Persist();
          k.Notify(kNotifyGeneric, "persist");
        }
        return value;
      },
      Keyspace::Lookup::kReadThenWrite);
}

}  // namespace embedis::string_ops
