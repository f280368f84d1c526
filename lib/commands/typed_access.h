// The two ways a typed operation (list_ops.h, set_ops.h, zset_ops.h, bit_ops.h) reaches its key,
// shared by every value type: Read, under the key's lock counting a keyspace hit or miss, with a
// const view of the value (nullptr when the key is missing); Write, with the KeyHandle of a missing
// key or of a value of the type. Both answer WRONGTYPE (errors::kWrongType) for a key of another
// type.
//
//   using Access = typed_access::For<ListValue>;
//   absl::StatusOr<int64_t> n = Access::Read<int64_t>(
//       ks, db, key, [](const ListValue* l) -> int64_t { return l ? l->size() : 0; });
//
// Private to lib/commands.
#ifndef EMBEDIS_LIB_COMMANDS_TYPED_ACCESS_H_
#define EMBEDIS_LIB_COMMANDS_TYPED_ACCESS_H_

#include <string_view>

#include "absl/status/statusor.h"
#include "lib/keyspace/keyspace.h"
#include "lib/util/errors.h"

namespace embedis::typed_access {

// The ValueType of a value class, and its read-only view from a KeyHandle.
template <typename V>
struct Traits;
template <>
struct Traits<ListValue> {
  static constexpr ValueType kType = ValueType::kList;
  static const ListValue& View(const KeyHandle& k) { return k.list_view(); }
};
template <>
struct Traits<HashValue> {
  static constexpr ValueType kType = ValueType::kHash;
  static const HashValue& View(const KeyHandle& k) { return k.hash_view(); }
};
template <>
struct Traits<SetValue> {
  static constexpr ValueType kType = ValueType::kSet;
  static const SetValue& View(const KeyHandle& k) { return k.set_view(); }
};

template <>
struct Traits<ZSetValue> {
  static constexpr ValueType kType = ValueType::kZSet;
  static const ZSetValue& View(const KeyHandle& k) { return k.zset_view(); }
};

// Strings: the view is the bytes (bit_ops.h).
template <>
struct Traits<std::string_view> {
  static constexpr ValueType kType = ValueType::kString;
  static std::string_view View(const KeyHandle& k) { return k.string_value(); }
};

template <typename V>
struct For {
  // Runs fn(const V* v) (nullptr when the key is missing) and returns its result.
  template <typename T, typename Fn>
  static absl::StatusOr<T> Read(Keyspace& ks, int db, std::string_view key, Fn&& fn) {
    absl::StatusOr<T> out = errors::FromRedisError(errors::kWrongType);
    ks.Update(
        db, key,
        [&](KeyHandle& k) {
          if (!k.exists()) {
            out = fn(static_cast<const V*>(nullptr));
          } else if (k.type() == Traits<V>::kType) {
            const auto& view = Traits<V>::View(k);  // a reference, or a string_view
            out = fn(&view);
          }
        },
        Keyspace::Lookup::kRead);
    return out;
  }

  // Runs fn(KeyHandle& k) for a missing key or a value of V's type (k.exists() tells which).
  // `lookup` kReadThenWrite: a write that looks its key up as a read (PFCOUNT).
  template <typename T, typename Fn>
  static absl::StatusOr<T> Write(Keyspace& ks, int db, std::string_view key, Fn&& fn,
                                 Keyspace::Lookup lookup = Keyspace::Lookup::kWrite) {
    absl::StatusOr<T> out = errors::FromRedisError(errors::kWrongType);
    ks.Update(
        db, key,
        [&](KeyHandle& k) {
          if (!k.exists() || k.type() == Traits<V>::kType) out = fn(k);
        },
        lookup);
    return out;
  }
};

}  // namespace embedis::typed_access

#endif  // EMBEDIS_LIB_COMMANDS_TYPED_ACCESS_H_
