#include "lib/commands/hash_ops.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#include "absl/random/random.h"
#include "lib/keyspace/hash_value.h"
#include "lib/util/errors.h"
#include "lib/util/glob.h"

namespace embedis::hash_ops {
namespace {

absl::Status Error(const char* text) { return errors::FromRedisError(text); }

absl::InsecureBitGen& Rng() {
  thread_local absl::InsecureBitGen gen;
  return gen;
}

// Runs fn(const HashValue* h) for a read (h == nullptr when the key is missing) and returns its
// result; WRONGTYPE for a key of another type. Counts a keyspace hit or miss.
template <typename T, typename Fn>
absl::StatusOr<T> Read(Keyspace& ks, int db, std::string_view key, Fn&& fn) {
  absl::StatusOr<T> out = Error(errors::kWrongType);
  ks.Update(
      db, key,
      [&](KeyHandle& k) {
        if (!k.exists()) {
          out = fn(static_cast<const HashValue*>(nullptr));
        } else if (k.type() == ValueType::kHash) {
          out = fn(&k.hash_view());
        }
      },
      Keyspace::Lookup::kRead);
  return out;
}

// Runs fn(HashValue& h) for a write, creating the hash when the key is missing (the keyspace
// deletes it again if fn leaves it empty); WRONGTYPE for a key of another type.
// A successful fn raises keyspace notification `event` (a string literal; nullptr: none).
template <typename T, typename Fn>
absl::StatusOr<T> Write(Keyspace& ks, int db, std::string_view key, Fn&& fn,
                        const char* event = nullptr) {
  absl::StatusOr<T> out = Error(errors::kWrongType);
  ks.Update(db, key, [&](KeyHandle& k) {
    if (!k.exists()) {
      out = fn(k.CreateHash());
    } else if (k.type() == ValueType::kHash) {
      out = fn(k.hash());
    } else {
      return;
    }
    if (event != nullptr && out.ok()) k.Notify(kNotifyHash, event);
  });
  return out;
}

std::optional<std::string> Find(const HashValue* h, std::string_view field) {
  const std::string* v = h == nullptr ? nullptr : h->Find(field);
  if (v == nullptr) return std::nullopt;
  return *v;
}

}  // namespace

absl::StatusOr<bool> SetNx(Keyspace& ks, int db, std::string_view key, std::string_view field,
                           std::string_view value) {
  absl::StatusOr<bool> out = Error(errors::kWrongType);
  ks.Update(db, key, [&](KeyHandle& k) {
    if (k.exists() && k.type() != ValueType::kHash) return;
    out = (k.exists() ? k.hash() : k.CreateHash()).SetIfAbsent(field, value);
    if (*out) k.Notify(kNotifyHash, "hset");
  });
  return out;
}

absl::StatusOr<int64_t> Del(Keyspace& ks, int db, std::string_view key,
                            absl::Span<const std::string_view> fields) {
  absl::StatusOr<int64_t> out = Error(errors::kWrongType);
  ks.Update(db, key, [&](KeyHandle& k) {
    if (!k.exists()) {
      out = 0;
    } else if (k.type() == ValueType::kHash) {
      int64_t removed = 0;
      HashValue& h = k.hash();
      for (size_t i = 0; i < fields.size() && !h.empty(); ++i) {
        if (h.Erase(fields[i])) ++removed;
      }
      if (removed > 0) k.Notify(kNotifyHash, "hdel");
      out = removed;  // an emptied hash is deleted by the keyspace
    }
  });
  return out;
}

absl::StatusOr<int64_t> IncrBy(Keyspace& ks, int db, std::string_view key, std::string_view field,
                               int64_t by) {
  return Write<int64_t>(
      ks, db, key,
      [&](HashValue& h) -> absl::StatusOr<int64_t> {
        int64_t value = 0;
        if (const std::string* current = h.Find(field)) {
          if (!commands::ParseInt64(*current, &value)) return Error(errors::kHashNotInteger);
        }
        if ((by < 0 && value < 0 && by < std::numeric_limits<int64_t>::min() - value) ||
            (by > 0 && value > 0 && by > std::numeric_limits<int64_t>::max() - value)) {
          return Error(errors::kOverflow);
        }
        value += by;
        char buf[24];
        const char* end = std::to_chars(buf, buf + sizeof(buf), value).ptr;
        h.Set(field, std::string_view(buf, end - buf));
        return value;
      },
      "hincrby");
}

absl::StatusOr<std::string> IncrByFloat(Keyspace& ks, int db, std::string_view key,
                                        std::string_view field, long double by) {
  return Write<std::string>(
      ks, db, key,
      [&](HashValue& h) -> absl::StatusOr<std::string> {
        long double value = 0;
        if (const std::string* current = h.Find(field)) {
          if (!commands::ParseLongDouble(*current, &value)) return Error(errors::kHashNotFloat);
        }
        value += by;
        if (std::isnan(value) || std::isinf(value)) return Error(errors::kIncrNanOrInfinity);
        // Redis stores exactly the text it replies.
        std::string formatted = commands::FormatLongDoubleHuman(value);
        h.Set(field, formatted);
        return formatted;
      },
      "hincrbyfloat");
}

absl::StatusOr<std::vector<std::optional<std::string>>> MGet(
    Keyspace& ks, int db, std::string_view key, absl::Span<const std::string_view> fields) {
  using Result = std::vector<std::optional<std::string>>;
  return Read<Result>(ks, db, key, [&](const HashValue* h) {
    Result out;
    out.reserve(fields.size());
    for (std::string_view f : fields) out.push_back(Find(h, f));
    return out;
  });
}

absl::StatusOr<FieldValues> GetAll(Keyspace& ks, int db, std::string_view key) {
  return Read<FieldValues>(ks, db, key, [](const HashValue* h) {
    FieldValues out;
    if (h == nullptr) return out;
    out.reserve(h->size());
    h->ForEach([&](std::string_view f, std::string_view v) { out.emplace_back(f, v); });
    return out;
  });
}

namespace {
// HKEYS (keys) and HVALS.
absl::StatusOr<std::vector<std::string>> KeysOrVals(Keyspace& ks, int db, std::string_view key,
                                                    bool keys) {
  using Result = std::vector<std::string>;
  return Read<Result>(ks, db, key, [&](const HashValue* h) {
    Result out;
    if (h == nullptr) return out;
    out.reserve(h->size());
    h->ForEach([&](std::string_view f, std::string_view v) { out.emplace_back(keys ? f : v); });
    return out;
  });
}
}  // namespace

absl::StatusOr<std::vector<std::string>> Keys(Keyspace& ks, int db, std::string_view key) {
  return KeysOrVals(ks, db, key, /*keys=*/true);
}

absl::StatusOr<std::vector<std::string>> Vals(Keyspace& ks, int db, std::string_view key) {
  return KeysOrVals(ks, db, key, /*keys=*/false);
}

absl::StatusOr<int64_t> Len(Keyspace& ks, int db, std::string_view key) {
  return Read<int64_t>(ks, db, key, [](const HashValue* h) -> int64_t {
    return h == nullptr ? 0 : static_cast<int64_t>(h->size());
  });
}

absl::StatusOr<bool> Exists(Keyspace& ks, int db, std::string_view key, std::string_view field) {
  return Read<bool>(ks, db, key,
                    [&](const HashValue* h) { return h != nullptr && h->Contains(field); });
}

absl::StatusOr<int64_t> StrLen(Keyspace& ks, int db, std::string_view key, std::string_view field) {
  return Read<int64_t>(ks, db, key, [&](const HashValue* h) -> int64_t {
    const std::string* v = h == nullptr ? nullptr : h->Find(field);
    return v == nullptr ? 0 : static_cast<int64_t>(v->size());
  });
}

absl::StatusOr<std::optional<std::string>> RandomField(Keyspace& ks, int db, std::string_view key) {
  using Result = std::optional<std::string>;
  return Read<Result>(ks, db, key, [](const HashValue* h) -> Result {
    if (h == nullptr) return std::nullopt;
    return std::string(h->RandomField(Rng()).first);
  });
}

absl::StatusOr<bool> RandomFields(
    Keyspace& ks, int db, std::string_view key, uint64_t count, bool unique,
    absl::FunctionRef<bool(uint64_t n)> begin,
    absl::FunctionRef<bool(std::string_view, std::string_view)> field) {
  return Read<bool>(ks, db, key, [&](const HashValue* h) {
    if (h == nullptr) return false;
    const uint64_t n = unique ? std::min<uint64_t>(count, h->size()) : count;
    if (!begin(n) || n == 0) return true;
    if (unique) {  // at most the hash's size: no early stop needed
      h->RandomFields(n, /*unique=*/true, Rng(),
                      [&](std::string_view f, std::string_view v) { field(f, v); });
      return true;
    }
    for (uint64_t i = 0; i < n; ++i) {
      auto [f, v] = h->RandomField(Rng());
      if (!field(f, v)) break;
    }
    return true;
  });
}

absl::StatusOr<ScanPage> Scan(Keyspace& ks, int db, std::string_view key, uint64_t cursor,
                              const absl::StatusOr<commands::ScanArgs>& args) {
  return Read<ScanPage>(ks, db, key, [&](const HashValue* h) -> absl::StatusOr<ScanPage> {
    ScanPage page;
    if (h == nullptr) return page;
    if (!args.ok()) return args.status();
    const std::string_view pattern = args->match.value_or("*");
    const bool use_pattern = pattern != "*";
    page.cursor = h->Scan(cursor, static_cast<size_t>(args->count),
                          [&](std::string_view f, std::string_view v) {
                            if (!use_pattern || GlobMatch(pattern, f))
                              page.fields.emplace_back(f, v);
                          });
    return page;
  });
}

}  // namespace embedis::hash_ops
