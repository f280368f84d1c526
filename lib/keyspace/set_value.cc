#include "lib/keyspace/set_value.h"

#include <algorithm>
#include <charconv>
#include <string>
#include <utility>

#include "absl/random/distributions.h"
#include "absl/strings/str_cat.h"

namespace embedis {

SetValue::SetValue(const SetValue& other)
    : limits_(other.limits_),
      mutations_(other.mutations_),
      ints_(other.ints_),
      table_(other.table_ != nullptr ? std::make_unique<HashValue>(*other.table_) : nullptr) {}

SetValue& SetValue::operator=(const SetValue& other) {
  if (this != &other) {
    SetValue copy(other);
    *this = std::move(copy);
    ++mutations_;
  }
  return *this;
}

SetValue::~SetValue() = default;

bool SetValue::ParseInteger(std::string_view s, int64_t* value) {
  // Redis's string2ll: "0", or an optional '-' then a non-zero digit then digits, no overflow.
  if (s.empty() || s.size() > 20) return false;
  if (s == "0") {
    *value = 0;
    return true;
  }
  size_t i = s[0] == '-' ? 1 : 0;
  if (i >= s.size() || s[i] < '1' || s[i] > '9') return false;
  uint64_t v = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    const uint64_t d = static_cast<uint64_t>(s[i] - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  if (s[0] == '-') {
    if (v > uint64_t{1} << 63) return false;
    *value = static_cast<int64_t>(0 - v);
  } else {
    if (v > static_cast<uint64_t>(INT64_MAX)) return false;
    *value = static_cast<int64_t>(v);
  }
  return true;
}

size_t SetValue::FootprintBytes(size_t samples) const {
  if (table_ != nullptr) return sizeof(SetValue) + table_->FootprintBytes(samples);
  return sizeof(SetValue) + ints_.size() * sizeof(int64_t);
}

bool SetValue::Contains(std::string_view member) const {
  if (table_ != nullptr) return table_->Contains(member);
  int64_t v;
  return ParseInteger(member, &v) && std::binary_search(ints_.begin(), ints_.end(), v);
}

bool SetValue::Add(std::string_view member) {
  if (table_ == nullptr) {
    int64_t v;
    if (ParseInteger(member, &v)) {
      auto it = std::lower_bound(ints_.begin(), ints_.end(), v);
      if (it != ints_.end() && *it == v) return false;
      ints_.insert(it, v);
      ++mutations_;
      if (ints_.size() > limits_.max_intset_entries) ConvertToHashtable();
      return true;
    }
    ConvertToHashtable();
  }
  if (!table_->SetIfAbsent(member, {})) return false;
  ++mutations_;
  return true;
}

bool SetValue::Remove(std::string_view member) {
  if (table_ != nullptr) {
    if (!table_->Erase(member)) return false;
  } else {
    int64_t v;
    if (!ParseInteger(member, &v)) return false;
    auto it = std::lower_bound(ints_.begin(), ints_.end(), v);
    if (it == ints_.end() || *it != v) return false;
    ints_.erase(it);
  }
  ++mutations_;
  return true;
}

void SetValue::Clear() {
  if (empty()) return;
  ints_.clear();
  ints_.shrink_to_fit();
  table_.reset();
  ++mutations_;
}

void SetValue::ConvertToHashtable() {
  if (table_ != nullptr) return;
  auto table = std::make_unique<HashValue>();
  table->ConvertToHashtable();
  for (int64_t v : ints_) table->Set(std::to_string(v), {});
  table_ = std::move(table);
  ints_.clear();
  ints_.shrink_to_fit();
}

void SetValue::ForEach(MemberFn fn) const {
  if (table_ != nullptr) {
    table_->ForEach([&](std::string_view f, std::string_view) { fn(f); });
    return;
  }
  char buf[24];
  for (int64_t v : ints_) {
    char* end = std::to_chars(buf, buf + sizeof(buf), v).ptr;
    fn(std::string_view(buf, static_cast<size_t>(end - buf)));
  }
}

std::string SetValue::RandomMember(absl::BitGenRef rng) const {
  if (table_ != nullptr) return std::string(table_->RandomField(rng).first);
  return std::to_string(ints_[absl::Uniform<size_t>(rng, 0, ints_.size())]);
}

void SetValue::RandomMembers(uint64_t count, bool unique, absl::BitGenRef rng, MemberFn fn) const {
  if (count == 0) return;
  if (table_ != nullptr) {
    table_->RandomFields(count, unique, rng, [&](std::string_view f, std::string_view) { fn(f); });
    return;
  }
  if (!unique) {
    for (uint64_t i = 0; i < count; ++i) {
      fn(std::to_string(ints_[absl::Uniform<size_t>(rng, 0, ints_.size())]));
    }
    return;
  }
  if (count >= ints_.size()) return ForEach(fn);
  // A partial Fisher-Yates shuffle of the indexes (an intset has at most a few hundred members).
  std::vector<size_t> idx(ints_.size());
  for (size_t i = 0; i < idx.size(); ++i) idx[i] = i;
  for (size_t i = 0; i < count; ++i) {
    std::swap(idx[i], idx[absl::Uniform<size_t>(rng, i, idx.size())]);
    fn(std::to_string(ints_[idx[i]]));
  }
}

std::string SetValue::PopRandom(absl::BitGenRef rng) {
  std::string member = RandomMember(rng);
  Remove(member);
  return member;
}

uint64_t SetValue::Scan(uint64_t cursor, size_t count, MemberFn fn) const {
  if (table_ != nullptr) {
    return table_->Scan(cursor, count, [&](std::string_view f, std::string_view) { fn(f); });
  }
  ForEach(fn);
  return 0;
}

std::string SetValue::CheckInvariants() const {
  if (table_ != nullptr) {
    if (!ints_.empty()) return "a hash-table set also holds intset members";
    if (table_->is_listpack()) return "the hash table is a listpack";
    return "";
  }
  for (size_t i = 1; i < ints_.size(); ++i) {
    if (ints_[i - 1] >= ints_[i]) return absl::StrCat("intset not sorted at ", i);
  }
  if (ints_.size() > limits_.max_intset_entries) return "intset over its limit";
  return "";
}

}  // namespace embedis
