// The HyperLogLog commands: PFADD, PFCOUNT, PFMERGE (PFDEBUG and PFSELFTEST are not provided).
//
// Replies, error texts and the order of checks follow redis-server 7.0.15
// (tests/commands/hll_differential_test.cc compares byte for byte, the stored HLL bytes
// included). Observable details: a string that is not an HLL answers "WRONGTYPE Key is not a
// valid HyperLogLog string value.", a key of another type the usual WRONGTYPE; PFCOUNT of one key
// stores the cardinality it computes in the string (a write, although COMMAND INFO says
// readonly, as in Redis); PFCOUNT of several keys and PFMERGE check their keys in order, and
// PFMERGE reads its destination as its first source.
//
// The handlers only write replies; the work is in hll_ops.h, the sketch in hll.h.
#include <cstdint>
#include <string_view>

#include "lib/commands/command_describe.h"
#include "lib/commands/command_table.h"
#include "lib/commands/hll_ops.h"
#include "lib/keyspace/keyspace.h"

namespace embedis::commands {
namespace {

int db(const CommandContext& ctx) { return ctx.client->db; }

void CmdPfAdd(CommandContext& ctx, Args argv) {
  absl::StatusOr<bool> r = hll_ops::Add(*ctx.keyspace, db(ctx), argv[1], argv.subspan(2));
  if (!r.ok()) return ReplyStatus(ctx, r.status());
  ctx.reply->Integer(*r ? 1 : 0);
}

void CmdPfCount(CommandContext& ctx, Args argv) {
  absl::StatusOr<int64_t> r = hll_ops::Count(*ctx.keyspace, db(ctx), argv.subspan(1));
  if (!r.ok()) return ReplyStatus(ctx, r.status());
  ctx.reply->Integer(*r);
}

void CmdPfMerge(CommandContext& ctx, Args argv) {
  absl::Status s = hll_ops::Merge(*ctx.keyspace, db(ctx), argv[1], argv.subspan(2));
  if (!s.ok()) return ReplyStatus(ctx, s);
  ctx.reply->Ok();
}

}  // namespace

void RegisterHllFamily(CommandTable* table) {
  using namespace describe;  // NOLINT: the entry helpers
  table->Register({.name = "pfadd",
                   .arity = -2,
                   .flags = kWrite | kDenyOom | kFast,
                   .acl = kAclHyperLogLog,
                   .key_specs = {Keys(1, RW | INSERT)},
                   .group = "hyperloglog",
                   .summary = "Adds the specified elements to the specified HyperLogLog.",
                   .since = "2.8.9",
                   .complexity = "O(1) to add every element.",
                   .args = {Key("key"), Str("element").Opt().Multi()},
                   .handler = CmdPfAdd});
  table->Register(
      {.name = "pfcount",
       .arity = -2,
       .flags = kReadOnly,
       .acl = kAclHyperLogLog,
       .key_specs = {Keys(1, RW | ACCESS, -1)
                         .Notes("RW because it may change the internal representation of the "
                                "key, and propagate to replicas")},
       .group = "hyperloglog",
       .summary = "Return the approximated cardinality of the set(s) observed by the HyperLogLog "
                  "at key(s).",
       .since = "2.8.9",
       .complexity = "O(1) with a very small average constant time when called with a single key. "
                     "O(N) with N being the number of keys, and much bigger constant times, when "
                     "called with multiple keys.",
       .args = {Key("key").Multi()},
       .handler = CmdPfCount});
  table->Register({.name = "pfmerge",
                   .arity = -2,
                   .flags = kWrite | kDenyOom,
                   .acl = kAclHyperLogLog,
                   .key_specs = {Keys(1, RW | ACCESS | INSERT), Keys(2, RO | ACCESS, -1)},
                   .group = "hyperloglog",
                   .summary = "Merge N different HyperLogLogs into a single one.",
                   .since = "2.8.9",
                   .complexity = "O(N) to merge N HyperLogLogs, but with high constant times.",
                   .args = {Key("destkey"), Key("sourcekey", 1).Multi()},
                   .handler = CmdPfMerge});
}

}  // namespace embedis::commands
