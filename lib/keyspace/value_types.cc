#include "lib/keyspace/value_types.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>

namespace embedis::keyspace_internal {
namespace {

[[noreturn]] void NotAnObject(const char* what) {
  std::fprintf(stderr, "embedis: %s called for a string value (a keyspace bug)\n", what);
  std::abort();
}

}  // namespace

uint32_t ObjectTag(ValueType type) {
  switch (type) {
    case ValueType::kString:
      NotAnObject("ObjectTag");
    case ValueType::kHash:
      return kTagHash;
    case ValueType::kList:
      return kTagList;
  }
  NotAnObject("ObjectTag");
}

ValueType TypeOfTag(uint32_t tag) {
  if (tag <= kMaxStringTag) return ValueType::kString;
  return tag == kTagHash ? ValueType::kHash : ValueType::kList;
}

void DeleteObject(ValueType type, void* object) {
  switch (type) {
    case ValueType::kString:
      NotAnObject("DeleteObject");
    case ValueType::kHash:
      delete static_cast<HashValue*>(object);
      return;
    case ValueType::kList:
      delete static_cast<ListValue*>(object);
      return;
  }
}

void* CopyObject(ValueType type, const void* object) {
  switch (type) {
    case ValueType::kString:
      NotAnObject("CopyObject");
    case ValueType::kHash:
      return new HashValue(*static_cast<const HashValue*>(object));
    case ValueType::kList:
      return new ListValue(*static_cast<const ListValue*>(object));
  }
  NotAnObject("CopyObject");
}

size_t ObjectFootprint(ValueType type, const void* object, size_t samples) {
  switch (type) {
    case ValueType::kString:
      NotAnObject("ObjectFootprint");
    case ValueType::kHash:
      return static_cast<const HashValue*>(object)->FootprintBytes(samples);
    case ValueType::kList:
      return static_cast<const ListValue*>(object)->FootprintBytes();
  }
  NotAnObject("ObjectFootprint");
}

bool ObjectEmpty(ValueType type, const void* object) {
  switch (type) {
    case ValueType::kString:
      NotAnObject("ObjectEmpty");
    case ValueType::kHash:
      return static_cast<const HashValue*>(object)->empty();
    case ValueType::kList:
      return static_cast<const ListValue*>(object)->empty();
  }
  NotAnObject("ObjectEmpty");
}

uint32_t ObjectMutations(ValueType type, const void* object) {
  switch (type) {
    case ValueType::kString:
      NotAnObject("ObjectMutations");
    case ValueType::kHash:
      return static_cast<const HashValue*>(object)->mutations();
    case ValueType::kList:
      return static_cast<const ListValue*>(object)->mutations();
  }
  NotAnObject("ObjectMutations");
}

std::string_view ObjectEncoding(ValueType type, const void* object) {
  switch (type) {
    case ValueType::kString:
      NotAnObject("ObjectEncoding");
    case ValueType::kHash:
      return static_cast<const HashValue*>(object)->encoding();
    case ValueType::kList:
      return static_cast<const ListValue*>(object)->encoding();
  }
  NotAnObject("ObjectEncoding");
}

void ExportObject(ValueType type, const void* object, KeyRecord* record) {
  switch (type) {
    case ValueType::kString:
      NotAnObject("ExportObject");
    case ValueType::kHash: {
      const auto* h = static_cast<const HashValue*>(object);
      record->fields.reserve(h->size());
      h->ForEach([&](std::string_view f, std::string_view v) {
        record->fields.emplace_back(std::string(f), std::string(v));
      });
      return;
    }
    case ValueType::kList: {
      const auto* l = static_cast<const ListValue*>(object);
      record->elements.reserve(l->size());
      l->ForRange(0, l->size(), [&](std::string_view e) { record->elements.emplace_back(e); });
      return;
    }
  }
}

void* ImportObject(const KeyRecord& record) {
  switch (record.type) {
    case ValueType::kString:
      NotAnObject("ImportObject");
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
  }
  NotAnObject("ImportObject");
}

}  // namespace embedis::keyspace_internal
