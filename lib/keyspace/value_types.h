// The value types' operations the keyspace needs, one function per operation, each a `switch` on
// ValueType without `default` (the build uses -Werror=switch), so that adding a type to ValueType
// is a compile error here and in every other dispatch until the type is handled everywhere.
//
// A string lives inside its entry (keyspace_internal.h); every other type is an object the entry
// points at, of the class named in ObjectOf: HashValue (hash_value.h), ListValue (list_value.h),
// SetValue (set_value.h), ZSetValue (zset_value.h).
// Adding a type means: its class in its own file pair (structure, FootprintBytes, copy
// constructor, encoding(), mutations()), one enumerator in ValueType, and one case in each
// function below (plus the snapshot record in snapshot.cc and the command family in
// lib/commands/).
//
// Private to lib/keyspace.
#ifndef EMBEDIS_LIB_KEYSPACE_VALUE_TYPES_H_
#define EMBEDIS_LIB_KEYSPACE_VALUE_TYPES_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "lib/keyspace/hash_value.h"
#include "lib/keyspace/keyspace.h"
#include "lib/keyspace/list_value.h"
#include "lib/keyspace/set_value.h"
#include "lib/keyspace/zset_value.h"

namespace embedis::keyspace_internal {

// Entry tags: a string's tag is its length (at most kMaxStringTag); an object type's tag counts
// down from 0xFFFFFFFF (kHash), one per type.
constexpr uint32_t kMaxStringTag = 0xFFFFFF00u;
constexpr uint32_t kTagHash = 0xFFFFFFFFu;
constexpr uint32_t kTagList = 0xFFFFFFFEu;
constexpr uint32_t kTagSet = 0xFFFFFFFDu;
constexpr uint32_t kTagZSet = 0xFFFFFFFCu;
static_assert(kTagZSet == 0u - static_cast<uint32_t>(ValueType::kZSet), "TypeOfTag's arithmetic");

// REQUIRES (for the object functions below): type != ValueType::kString, and `object` is an
// object of that type.
uint32_t ObjectTag(ValueType type);
ValueType TypeOfTag(uint32_t tag);
void DeleteObject(ValueType type, void* object);
// A deep copy (COPY).
void* CopyObject(ValueType type, const void* object);
// The object's bytes for MEMORY USAGE (`samples` as Keyspace::MemoryUsage).
size_t ObjectFootprint(ValueType type, const void* object, size_t samples);
bool ObjectEmpty(ValueType type, const void* object);
// The object's mutation counter (HashValue::mutations(), ...): how Update tells a command that
// changed the value from one that only looked.
uint32_t ObjectMutations(ValueType type, const void* object);
// OBJECT ENCODING's name for an object.
std::string_view ObjectEncoding(ValueType type, const void* object);
// A snapshot record's value (KeyRecord's per-type fields) from an object, and a new object from
// a record.
void ExportObject(ValueType type, const void* object, KeyRecord* record);
void* ImportObject(const KeyRecord& record);

}  // namespace embedis::keyspace_internal

#endif  // EMBEDIS_LIB_KEYSPACE_VALUE_TYPES_H_
