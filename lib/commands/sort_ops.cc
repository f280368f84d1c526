#include "lib/commands/sort_ops.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "lib/keyspace/hash_value.h"
#include "lib/keyspace/list_value.h"
#include "lib/keyspace/set_value.h"
#include "lib/keyspace/zset_value.h"
#include "lib/util/errors.h"

namespace embedis::sort_ops {
namespace {

// The bytes of `s` up to its first NUL: what Redis's C-string functions (strchr, strcoll) see.
std::string_view CString(std::string_view s) {
  const size_t nul = s.find('\0');
  return nul == std::string_view::npos ? s : s.substr(0, nul);
}

// Redis's compareStringObjects: bytes, then length.
int CompareBinary(std::string_view a, std::string_view b) {
  const int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

// strcmp (strcoll in the C locale): unsigned bytes up to the first NUL.
int CompareCString(std::string_view a, std::string_view b) {
  return CompareBinary(CString(a), CString(b));
}

// A SORT score: strtod over the whole C string; false for trailing bytes, ERANGE or NaN.
bool ParseSortScore(const std::string& value, double* out) {
  char* end = nullptr;
  errno = 0;
  *out = std::strtod(value.c_str(), &end);
  return *end == '\0' && errno != ERANGE && !std::isnan(*out);
}

// The sorted key's elements, read in one callback, and how Redis reads them: for a list or a
// sorted set without sorting only the LIMIT range, in the requested direction.
struct Loaded {
  std::vector<std::string> elements;
  bool is_set = false;
  // The range of `elements` to output (Redis's start and end, end < start: none).
  int64_t start = 0, end = -1;
};

// Redis 7.0's LIMIT clamping against the number of elements n.
void ClampLimit(const SortOptions& o, int64_t n, int64_t* start, int64_t* end) {
  *start = std::min(std::max<int64_t>(o.limit_start, 0), n);
  const int64_t count = std::min(std::max<int64_t>(o.limit_count, -1), n);
  *end = count < 0 ? n - 1 : *start + count - 1;
  if (*start >= n) {
    *start = n - 1;
    *end = n - 2;
  }
  if (*end >= n) *end = n - 1;
}

absl::StatusOr<Loaded> Load(Keyspace& ks, int db, std::string_view key, const SortOptions& o,
                            bool dont_sort) {
  // Redis converts a sorted set to its skiplist encoding for SORT (zsetConvert in
  // sortCommandGeneric; OBJECT ENCODING shows it afterwards). The content, and so WATCH, is not
  // touched.
  ks.Update(db, key, [](KeyHandle& k) {
    if (k.exists() && k.type() == ValueType::kZSet && k.zset_view().is_listpack()) {
      k.zset().ConvertToSkiplist();
    }
  });
  absl::StatusOr<Loaded> out = Loaded{};
  ks.Update(
      db, key,
      [&](KeyHandle& k) {
        Loaded& l = *out;
        if (!k.exists()) return ClampLimit(o, 0, &l.start, &l.end);
        switch (k.type()) {
          case ValueType::kString:
          case ValueType::kHash:
            out = errors::WrongTypeError();
            return;
          case ValueType::kList: {
            const ListValue& list = k.list_view();
            const int64_t n = static_cast<int64_t>(list.size());
            ClampLimit(o, n, &l.start, &l.end);
            if (!dont_sort) {
              l.elements.reserve(list.size());
              list.ForRange(0, list.size(),
                            [&](std::string_view e) { l.elements.emplace_back(e); });
              return;
            }
            // Only the range, read from the head, or from the tail for DESC.
            if (l.end >= l.start) {
              const size_t count = static_cast<size_t>(l.end - l.start + 1);
              const size_t first =
                  o.desc ? static_cast<size_t>(n - 1 - l.end) : static_cast<size_t>(l.start);
              l.elements.reserve(count);
              list.ForRange(first, count, [&](std::string_view e) { l.elements.emplace_back(e); });
              if (o.desc) std::reverse(l.elements.begin(), l.elements.end());
            }
            l.end -= l.start;
            l.start = 0;
            return;
          }
          case ValueType::kZSet: {
            const ZSetValue& z = k.zset_view();
            const int64_t n = static_cast<int64_t>(z.size());
            ClampLimit(o, n, &l.start, &l.end);
            if (!dont_sort) {
              l.elements.reserve(z.size());
              z.ForEach([&](std::string_view m, double) { l.elements.emplace_back(m); });
              return;
            }
            // BY nosort: the sorted set's own order (DESC from the top), only LIMIT's range.
            if (l.end >= l.start) {
              const auto first = static_cast<size_t>(o.desc ? n - 1 - l.end : l.start);
              const auto count = static_cast<size_t>(l.end - l.start + 1);
              z.ForRange(first, first + count, /*reverse=*/o.desc,
                         [&](std::string_view m, double) { l.elements.emplace_back(m); });
            }
            l.end -= l.start;
            l.start = 0;
            return;
          }
          case ValueType::kSet: {
            const SetValue& set = k.set_view();
            l.is_set = true;
            ClampLimit(o, static_cast<int64_t>(set.size()), &l.start, &l.end);
            l.elements.reserve(set.size());
            set.ForEach([&](std::string_view m) { l.elements.emplace_back(m); });
            return;
          }
        }
      },
      Keyspace::Lookup::kRead);
  return out;
}

// One element to sort and what it sorts by.
struct Item {
  std::string element;
  double score = 0;               // numeric order
  std::optional<std::string> by;  // ALPHA with BY: the BY value (nullopt: missing)
};

// Redis's sortCompare (before DESC).
int Compare(const Item& a, const Item& b, bool alpha, bool by_pattern, bool store) {
  if (!alpha) {
    if (a.score > b.score) return 1;
    if (a.score < b.score) return -1;
    return CompareBinary(a.element, b.element);
  }
  if (by_pattern) {
    if (!a.by.has_value() || !b.by.has_value()) {
      if (a.by.has_value() == b.by.has_value()) return 0;
      return a.by.has_value() ? 1 : -1;
    }
    return store ? CompareBinary(*a.by, *b.by) : CompareCString(*a.by, *b.by);
  }
  return store ? CompareBinary(a.element, b.element) : CompareCString(a.element, b.element);
}

// The sorted elements of `key` and the range of them to output.
absl::StatusOr<Loaded> SortedElements(Keyspace& ks, int db, std::string_view key,
                                      const SortOptions& options) {
  SortOptions o = options;
  // A BY pattern without `*` means: do not sort.
  bool dont_sort = o.by.has_value() && CString(*o.by).find('*') == std::string_view::npos;
  absl::StatusOr<Loaded> loaded = Load(ks, db, key, o, dont_sort);
  if (!loaded.ok()) return loaded.status();
  // A set has no order of its own: with STORE it is sorted ALPHA, so that replicas agree.
  if (dont_sort && loaded->is_set && o.store.has_value()) {
    dont_sort = false;
    o.alpha = true;
    o.by.reset();
  }
  if (dont_sort) return loaded;

  std::vector<Item> items(loaded->elements.size());
  bool not_double = false;
  for (size_t i = 0; i < items.size(); ++i) {
    Item& it = items[i];
    it.element = std::move(loaded->elements[i]);
    std::optional<std::string> value;
    if (o.by.has_value()) {
      value = LookupByPattern(ks, db, *o.by, it.element);
      if (!value.has_value()) continue;
    }
    if (o.alpha) {
      if (o.by.has_value()) it.by = std::move(value);
    } else if (!ParseSortScore(value.has_value() ? *value : it.element, &it.score)) {
      not_double = true;
    }
  }
  if (not_double) return absl::InvalidArgumentError(errors::kSortNotDouble);
  const bool alpha = o.alpha, by_pattern = o.by.has_value(), store = o.store.has_value();
  const bool desc = o.desc;
  std::sort(items.begin(), items.end(), [&](const Item& a, const Item& b) {
    const int c = Compare(a, b, alpha, by_pattern, store);
    return desc ? c > 0 : c < 0;
  });
  for (size_t i = 0; i < items.size(); ++i) loaded->elements[i] = std::move(items[i].element);
  return loaded;
}

// Calls fn(std::optional<std::string>) for every output entry, in order.
template <typename Fn>
void ForEachOutput(Keyspace& ks, int db, const SortOptions& o, Loaded& l, Fn&& fn) {
  for (int64_t j = l.start; j <= l.end; ++j) {
    std::string& element = l.elements[static_cast<size_t>(j)];
    if (o.get.empty()) {
      fn(std::optional<std::string>(std::move(element)));
      continue;
    }
    for (std::string_view pattern : o.get) fn(LookupByPattern(ks, db, pattern, element));
  }
}

}  // namespace

std::optional<std::string> LookupByPattern(Keyspace& ks, int db, std::string_view pattern,
                                           std::string_view element) {
  const std::string_view c = CString(pattern);
  if (c == "#") return std::string(element);
  const size_t star = c.find('*');
  if (star == std::string_view::npos) return std::nullopt;
  // "->field" after the `*` (a non-empty field) reads a hash's field.
  std::optional<std::string_view> field;
  const size_t arrow = c.find("->", star + 1);
  if (arrow != std::string_view::npos && arrow + 2 < c.size()) field = pattern.substr(arrow + 2);
  const size_t postfix_len =
      pattern.size() - star - 1 - (field.has_value() ? field->size() + 2 : 0);
  std::string key;
  key.reserve(star + element.size() + postfix_len);
  key.append(pattern.substr(0, star));
  key.append(element);
  key.append(pattern.substr(star + 1, postfix_len));

  std::optional<std::string> out;
  ks.Update(
      db, key,
      [&](KeyHandle& k) {
        if (!k.exists()) return;
        if (field.has_value()) {
          if (k.type() != ValueType::kHash) return;
          if (const std::string* v = k.hash_view().Find(*field)) out = *v;
        } else if (k.type() == ValueType::kString) {
          out = std::string(k.string_value());
        }
      },
      Keyspace::Lookup::kRead);
  return out;
}

absl::StatusOr<std::vector<std::optional<std::string>>> Sort(Keyspace& ks, int db,
                                                             std::string_view key,
                                                             const SortOptions& options) {
  absl::StatusOr<Loaded> l = SortedElements(ks, db, key, options);
  if (!l.ok()) return l.status();
  std::vector<std::optional<std::string>> out;
  if (l->end >= l->start) {
    out.reserve(static_cast<size_t>(l->end - l->start + 1) *
                std::max<size_t>(1, options.get.size()));
  }
  ForEachOutput(ks, db, options, *l,
                [&](std::optional<std::string> v) { out.push_back(std::move(v)); });
  return out;
}

absl::StatusOr<int64_t> SortStore(Keyspace& ks, int db, std::string_view key,
                                  const SortOptions& options) {
  absl::StatusOr<Loaded> l = SortedElements(ks, db, key, options);
  if (!l.ok()) return l.status();
  std::vector<std::string> values;
  ForEachOutput(ks, db, options, *l, [&](std::optional<std::string> v) {
    values.push_back(v.has_value() ? std::move(*v) : std::string());
  });
  std::vector<std::string_view> views(values.begin(), values.end());
  ks.Update(db, *options.store, [&](KeyHandle& k) {
    const bool existed = k.exists();
    if (existed) k.Delete();
    if (!views.empty()) {
      k.CreateList().PushBack(views);
      k.Notify(kNotifyList, "sortstore");
    } else if (existed) {
      k.Notify(kNotifyGeneric, "del");
    }
  });
  return static_cast<int64_t>(values.size());
}

}  // namespace embedis::sort_ops
