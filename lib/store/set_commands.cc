// Store's typed set methods (store.h), run through Command(): RedisStore's. MemoryStore overrides
// them with the set operations (lib/commands/set_ops.h).
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "lib/resp/value.h"
#include "lib/store/list_commands.h"
#include "lib/store/store.h"

namespace embedis {
namespace {

using resp::Type;
using resp::Value;

// Runs argv; a Redis error reply becomes its status.
absl::StatusOr<Value> Run(Store& store, absl::Span<const std::string_view> argv) {
  absl::StatusOr<Value> v = store.Command(argv);
  if (v.ok() && v->is_error()) return StatusFromRedisError(v->str());
  return v;
}

absl::StatusOr<int64_t> Integer(Store& store, absl::Span<const std::string_view> argv) {
  absl::StatusOr<Value> v = Run(store, argv);
  if (!v.ok()) return v.status();
  if (v->type() != Type::kInteger) return store_internal::Unexpected(argv[0], *v);
  return v->integer();
}

// SADD / SREM key member...
absl::StatusOr<int64_t> KeyMembers(Store& store, std::string_view command, std::string_view key,
                                   absl::Span<const std::string_view> members) {
  absl::InlinedVector<std::string_view, 8> argv = {command, key};
  argv.insert(argv.end(), members.begin(), members.end());
  return Integer(store, argv);
}

}  // namespace

absl::StatusOr<int64_t> Store::SAdd(std::string_view key,
                                    absl::Span<const std::string_view> members) {
  return KeyMembers(*this, "SADD", key, members);
}

absl::StatusOr<int64_t> Store::SRem(std::string_view key,
                                    absl::Span<const std::string_view> members) {
  return KeyMembers(*this, "SREM", key, members);
}

absl::StatusOr<std::vector<std::string>> Store::SMembers(std::string_view key) {
  const std::string_view argv[] = {"SMEMBERS", key};
  absl::StatusOr<Value> v = Run(*this, argv);
  if (!v.ok()) return v.status();
  // RESP2 answers an array, RESP3 a set.
  if (v->type() != Type::kArray && v->type() != Type::kSet) {
    return store_internal::Unexpected("SMEMBERS", *v);
  }
  std::vector<std::string> out;
  out.reserve(v->elements().size());
  for (Value& e : v->mutable_elements()) {
    if (!store_internal::IsText(e)) return store_internal::Unexpected("SMEMBERS", e);
    out.push_back(std::move(e.mutable_str()));
  }
  return out;
}

absl::StatusOr<bool> Store::SIsMember(std::string_view key, std::string_view member) {
  const std::string_view argv[] = {"SISMEMBER", key, member};
  absl::StatusOr<int64_t> n = Integer(*this, argv);
  if (!n.ok()) return n.status();
  return *n == 1;
}

absl::StatusOr<int64_t> Store::SCard(std::string_view key) {
  const std::string_view argv[] = {"SCARD", key};
  return Integer(*this, argv);
}

}  // namespace embedis
