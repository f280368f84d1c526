// SORT and SORT_RO.
//
// Arguments are read left to right as Redis 7.0.15 does: ASC, DESC, ALPHA, LIMIT offset count
// (both integers, else "ERR value is not an integer or out of range"), BY pattern, GET pattern
// (repeatable), STORE destination (SORT only); a keyword without enough arguments after it, or
// anything else, is a syntax error. Options are parsed before the key is looked at, so a syntax
// error wins over WRONGTYPE. The last BY and STORE count. tests/commands/sort_differential_test.cc
// compares replies byte for byte with redis-server.
//
// The handlers only parse arguments and write replies; the work is in sort_ops.h.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/commands/args.h"
#include "lib/commands/command_describe.h"
#include "lib/commands/command_table.h"
#include "lib/commands/sort_ops.h"
#include "lib/util/errors.h"
#include "lib/util/strings.h"

namespace embedis::commands {
namespace {

// Parses SORT's (read_only: SORT_RO's) options from argv[2] on.
absl::StatusOr<sort_ops::SortOptions> ParseSortOptions(Args argv, bool read_only) {
  sort_ops::SortOptions o;
  for (size_t j = 2; j < argv.size(); ++j) {
    const size_t left = argv.size() - j - 1;
    const std::string_view a = argv[j];
    if (EqualsIgnoreCase(a, "asc")) {
      o.desc = false;
    } else if (EqualsIgnoreCase(a, "desc")) {
      o.desc = true;
    } else if (EqualsIgnoreCase(a, "alpha")) {
      o.alpha = true;
    } else if (EqualsIgnoreCase(a, "limit") && left >= 2) {
      absl::StatusOr<int64_t> start = ParseInteger(argv[j + 1]);
      if (!start.ok()) return start.status();
      absl::StatusOr<int64_t> count = ParseInteger(argv[j + 2]);
      if (!count.ok()) return count.status();
      o.limit_start = *start;
      o.limit_count = *count;
      j += 2;
    } else if (!read_only && EqualsIgnoreCase(a, "store") && left >= 1) {
      o.store = argv[++j];
    } else if (EqualsIgnoreCase(a, "by") && left >= 1) {
      o.by = argv[++j];
    } else if (EqualsIgnoreCase(a, "get") && left >= 1) {
      o.get.push_back(argv[++j]);
    } else {
      return absl::InvalidArgumentError(errors::kSyntax);
    }
  }
  return o;
}

void RunSort(CommandContext& ctx, Args argv, bool read_only) {
  absl::StatusOr<sort_ops::SortOptions> o = ParseSortOptions(argv, read_only);
  if (!o.ok()) return ReplyStatus(ctx, o.status());
  const int db = ctx.client->db;
  if (o->store.has_value()) {
    absl::StatusOr<int64_t> n = sort_ops::SortStore(*ctx.keyspace, db, argv[1], *o);
    if (!n.ok()) return ReplyStatus(ctx, n.status());
    return ctx.reply->Integer(*n);
  }
  absl::StatusOr<std::vector<std::optional<std::string>>> r =
      sort_ops::Sort(*ctx.keyspace, db, argv[1], *o);
  if (!r.ok()) return ReplyStatus(ctx, r.status());
  ctx.reply->ArrayHeader(r->size());
  for (const std::optional<std::string>& v : *r) {
    if (v.has_value()) {
      ctx.reply->BulkString(*v);
    } else {
      ctx.reply->Null();
    }
  }
}

void CmdSort(CommandContext& ctx, Args argv) { RunSort(ctx, argv, /*read_only=*/false); }
void CmdSortRo(CommandContext& ctx, Args argv) { RunSort(ctx, argv, /*read_only=*/true); }

// Redis's sortGetKeys: the sorted key, and the destination of the last STORE, skipping the
// arguments of LIMIT, GET and BY.
std::vector<KeyPosition> SortKeys(Args argv) {
  std::vector<KeyPosition> keys = {{1, kKeyRO | kKeyAccess}};
  std::optional<KeyPosition> store;
  for (size_t i = 2; i < argv.size(); ++i) {
    if (EqualsIgnoreCase(argv[i], "limit")) {
      i += 2;
    } else if (EqualsIgnoreCase(argv[i], "get") || EqualsIgnoreCase(argv[i], "by")) {
      i += 1;
    } else if (EqualsIgnoreCase(argv[i], "store") && i + 1 < argv.size()) {
      store = KeyPosition{static_cast<int>(i + 1), kKeyOW | kKeyUpdate};
    }
  }
  if (store.has_value()) keys.push_back(*store);
  return keys;
}

}  // namespace

void RegisterSortFamily(CommandTable* table) {
  using namespace describe;  // NOLINT: the entry helpers
  constexpr std::string_view kComplexity =
      "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the "
      "number of returned elements. When the elements are not sorted, complexity is O(N).";
  constexpr uint32_t kAcl = kAclSet | kAclSortedSet | kAclList | kAclDangerous;
  auto pattern_keys = [] {
    KeySpec ks = Keys(0, RO | ACCESS);
    ks.begin = KeySpec::Begin::kUnknown;
    ks.find = KeySpec::Find::kUnknown;
    return std::move(ks).Notes(
        "For the optional BY/GET keyword. It is marked 'unknown' because the key names derive from "
        "the content of the key we sort");
  };
  auto args = [](bool with_store) {
    std::vector<ArgDoc> a = {
        Key("key"),
        Pattern("pattern").Token("BY").Opt(),
        Block("offset_count", {Int("offset"), Int("count")}).Token("LIMIT").Opt(),
        Pattern("pattern").Token("GET").Opt().Multi().MultiToken(),
        OneOf("order", {Tok("asc", "ASC"), Tok("desc", "DESC")}).Opt(),
        Tok("sorting", "ALPHA").Opt(),
    };
    a[1].key_spec_index = 1;
    a[3].key_spec_index = 1;
    if (with_store) a.push_back(Key("destination", 2).Token("STORE").Opt());
    return a;
  };
  KeySpec store_keys = Keys(0, OW | UPDATE);
  store_keys.begin = KeySpec::Begin::kUnknown;
  store_keys.find = KeySpec::Find::kUnknown;
  table->Register(
      {.name = "sort",
       .arity = -2,
       .flags = kWrite | kDenyOom,
       .acl = kAcl,
       .key_specs = {Keys(1, RO | ACCESS), pattern_keys(),
                     std::move(store_keys)
                         .Notes("For the optional STORE keyword. It is marked 'unknown' "
                                "because the keyword can appear anywhere in the argument "
                                "array")},
       .get_keys = SortKeys,
       .group = "generic",
       .summary = "Sort the elements in a list, set or sorted set",
       .since = "1.0.0",
       .complexity = kComplexity,
       .args = args(true),
       .handler = CmdSort});
  table->Register({.name = "sort_ro",
                   .arity = -2,
                   .flags = kReadOnly,
                   .acl = kAcl,
                   .key_specs = {Keys(1, RO | ACCESS), pattern_keys()},
                   .group = "generic",
                   .summary = "Sort the elements in a list, set or sorted set. Read-only variant "
                              "of SORT.",
                   .since = "7.0.0",
                   .complexity = kComplexity,
                   .args = args(false),
                   .handler = CmdSortRo});
}

}  // namespace embedis::commands
