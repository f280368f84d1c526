#include "lib/keyspace/value_types.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <type_traits>
#include <utility>

namespace embedis::keyspace_internal {
namespace {

[[noreturn]] void NotAnObject(const char* what) {
  std::fprintf(stderr, "embedis: %s called for a string value (a keyspace bug)\n", what);
  std::abort();
}

// The one dispatch from a type to its object class: calls fn(static_cast<T*>(object)) with T the
// class of `type`. A new ValueType is a compile error here (-Werror=switch) until it is added.
template <typename Ptr, typename Fn>
decltype(auto) Visit(const char* what, ValueType type, Ptr object, Fn&& fn) {
  constexpr bool kConst = std::is_const_v<std::remove_pointer_t<Ptr>>;
  using Hash = std::conditional_t<kConst, const HashValue, HashValue>;
  using List = std::conditional_t<kConst, const ListValue, ListValue>;
  using Set = std::conditional_t<kConst, const SetValue, SetValue>;
  using ZSet = std::conditional_t<kConst, const ZSetValue, ZSetValue>;
  switch (type) {
    case ValueType::kString:
      break;
    case ValueType::kHash:
      return fn(static_cast<Hash*>(object));
    case ValueType::kList:
      return fn(static_cast<List*>(object));
    case ValueType::kSet:
      return fn(static_cast<Set*>(object));
    case ValueType::kZSet:
      return fn(static_cast<ZSet*>(object));
  }
  NotAnObject(what);
}

}  // namespace

uint32_t ObjectTag(ValueType type) {
  switch (type) {
    case ValueType::kString:
      break;
    case ValueType::kHash:
      return kTagHash;
    case ValueType::kList:
      return kTagList;
    case ValueType::kSet:
      return kTagSet;
    case ValueType::kZSet:
      return kTagZSet;
  }
  NotAnObject("ObjectTag");
}

ValueType TypeOfTag(uint32_t tag) {
  if (tag <= kMaxStringTag) return ValueType::kString;
  // kTagHash (0xFFFFFFFF) is 1, kTagList 2, kTagSet 3, kTagZSet 4: the tag counts down as the type
  // counts up.
  return static_cast<ValueType>(static_cast<uint8_t>(0u - tag));
}

void DeleteObject(ValueType type, void* object) {
  Visit("DeleteObject", type, object, [](auto* v) { delete v; });
}

void* CopyObject(ValueType type, const void* object) {
  return Visit("CopyObject", type, object, [](const auto* v) -> void* {
    return new std::remove_const_t<std::remove_pointer_t<decltype(v)>>(*v);
  });
}

size_t ObjectFootprint(ValueType type, const void* object, size_t samples) {
  return Visit("ObjectFootprint", type, object, [&](const auto* v) -> size_t {
    if constexpr (std::is_same_v<decltype(v), const HashValue*> ||
                  std::is_same_v<decltype(v), const SetValue*>) {
      return v->FootprintBytes(samples);  // a hash table is sampled, as Redis's SAMPLES
    } else {
      return v->FootprintBytes();
    }
  });
}

bool ObjectEmpty(ValueType type, const void* object) {
  return Visit("ObjectEmpty", type, object, [](const auto* v) { return v->empty(); });
}

uint32_t ObjectMutations(ValueType type, const void* object) {
  return Visit("ObjectMutations", type, object, [](const auto* v) { return v->mutations(); });
}

std::string_view ObjectEncoding(ValueType type, const void* object) {
  return Visit("ObjectEncoding", type, object, [](const auto* v) { return v->encoding(); });
}

void ExportObject(ValueType type, const void* object, KeyRecord* record) {
  Visit("ExportObject", type, object, [&](const auto* v) {
    if constexpr (std::is_same_v<decltype(v), const HashValue*>) {
      record->fields.reserve(v->size());
      v->ForEach([&](std::string_view f, std::string_view val) {
        record->fields.emplace_back(std::string(f), std::string(val));
      });
    } else if constexpr (std::is_same_v<decltype(v), const SetValue*>) {
      record->elements.reserve(v->size());
      v->ForEach([&](std::string_view m) { record->elements.emplace_back(m); });
    } else if constexpr (std::is_same_v<decltype(v), const ZSetValue*>) {
      record->scored.reserve(v->size());
      v->ForEach([&](std::string_view m, double s) { record->scored.emplace_back(m, s); });
    } else {
      record->elements.reserve(v->size());
      v->ForRange(0, v->size(), [&](std::string_view e) { record->elements.emplace_back(e); });
    }
  });
}

void* ImportObject(const KeyRecord& record) {
  switch (record.type) {
    case ValueType::kString:
      break;
    case ValueType::kHash: {
      auto* h = new HashValue();
      for (const auto& [f, v] : record.fields) h->Set(f, v);
      return h;
    }
    case ValueType::kList: {
      auto* l = new ListValue();
      for (const std::string& e : record.elements) l->PushBack(e);
      return l;
    }
    case ValueType::kSet: {
      auto* s = new SetValue();
      for (const std::string& m : record.elements) s->Add(m);
      return s;
    }
    case ValueType::kZSet: {
      auto* z = new ZSetValue();
      for (const auto& [m, score] : record.scored) z->Insert(m, score);
      return z;
    }
  }
  NotAnObject("ImportObject");
}

}  // namespace embedis::keyspace_internal
