// The bit commands: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD, BITFIELD_RO.
//
// Replies, error texts and the order of checks follow redis-server 7.0.15
// (tests/commands/bit_differential_test.cc compares byte for byte). Observable details: SETBIT
// and GETBIT check the offset (then SETBIT's value) before the key; BITCOUNT looks at the key
// first (a missing key is 0 whatever the range arguments) and parses start, end, then BYTE|BIT;
// BITPOS parses the bit first, then looks at the key, then start, BYTE|BIT, end; BITOP checks the
// operation, NOT's single key, then each source's type in order; BITFIELD and BITFIELD_RO parse
// every subcommand (syntax, type, offset, value, OVERFLOW mode, in argument order) before
// BITFIELD_RO refuses writes and before the key's type is checked.
//
// The handlers only parse arguments and write replies; the work is in bit_ops.h.
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "lib/commands/args.h"
#include "lib/commands/bit_ops.h"
#include "lib/commands/command_describe.h"
#include "lib/commands/command_table.h"
#include "lib/keyspace/keyspace.h"
#include "lib/util/errors.h"

namespace embedis::commands {
namespace {

using bit_ops::Range;

void ReplyInteger(CommandContext& ctx, const absl::StatusOr<int64_t>& r) {
  if (!r.ok()) return ReplyStatus(ctx, r.status());
  ctx.reply->Integer(*r);
}

int db(const CommandContext& ctx) { return ctx.client->db; }

absl::Status Error(const char* text) { return errors::FromRedisError(text); }

// BYTE | BIT, case-insensitive: whether BIT; errors::kSyntax otherwise.
absl::StatusOr<bool> ParseUnit(std::string_view s) {
  if (EqualsIgnoreCase(s, "bit")) return true;
  if (EqualsIgnoreCase(s, "byte")) return false;
  return Error(errors::kSyntax);
}

void CmdSetBit(CommandContext& ctx, Args argv) {
  absl::StatusOr<uint64_t> offset = bit_ops::ParseBitOffset(argv[2]);
  if (!offset.ok()) return ReplyStatus(ctx, offset.status());
  absl::StatusOr<bool> on = bit_ops::ParseBitValue(argv[3]);
  if (!on.ok()) return ReplyStatus(ctx, on.status());
  ReplyInteger(ctx, bit_ops::SetBit(*ctx.keyspace, db(ctx), argv[1], *offset, *on));
}

void CmdGetBit(CommandContext& ctx, Args argv) {
  absl::StatusOr<uint64_t> offset = bit_ops::ParseBitOffset(argv[2]);
  if (!offset.ok()) return ReplyStatus(ctx, offset.status());
  ReplyInteger(ctx, bit_ops::GetBit(*ctx.keyspace, db(ctx), argv[1], *offset));
}

// BITCOUNT key [start end [BYTE|BIT]]: the range as Redis 7.0 reads it, after the key.
absl::StatusOr<std::optional<Range>> CountRange(Args argv) {
  if (argv.size() == 2) return std::nullopt;
  if (argv.size() != 4 && argv.size() != 5) return Error(errors::kSyntax);
  Range r;
  absl::StatusOr<int64_t> start = ParseInteger(argv[2]);
  if (!start.ok()) return start.status();
  absl::StatusOr<int64_t> end = ParseInteger(argv[3]);
  if (!end.ok()) return end.status();
  if (argv.size() == 5) {
    absl::StatusOr<bool> bit = ParseUnit(argv[4]);
    if (!bit.ok()) return bit.status();
    r.bit = *bit;
  }
  r.start = *start;
  r.end = *end;
  return r;
}

void CmdBitCount(CommandContext& ctx, Args argv) {
  ReplyInteger(ctx, bit_ops::Count(*ctx.keyspace, db(ctx), argv[1], CountRange(argv)));
}

// BITPOS key bit [start [end [BYTE|BIT]]]: start, then the unit, then end, as Redis 7.0.
absl::StatusOr<std::optional<Range>> PosRange(Args argv) {
  if (argv.size() == 3) return std::nullopt;
  if (argv.size() > 6) return Error(errors::kSyntax);
  Range r;
  absl::StatusOr<int64_t> start = ParseInteger(argv[3]);
  if (!start.ok()) return start.status();
  r.start = *start;
  if (argv.size() == 6) {
    absl::StatusOr<bool> bit = ParseUnit(argv[5]);
    if (!bit.ok()) return bit.status();
    r.bit = *bit;
  }
  if (argv.size() >= 5) {
    absl::StatusOr<int64_t> end = ParseInteger(argv[4]);
    if (!end.ok()) return end.status();
    r.end = *end;
  }
  return r;
}

void CmdBitPos(CommandContext& ctx, Args argv) {
  absl::StatusOr<bool> bit = bit_ops::ParseBitArgument(argv[2]);
  if (!bit.ok()) return ReplyStatus(ctx, bit.status());
  ReplyInteger(ctx, bit_ops::Pos(*ctx.keyspace, db(ctx), argv[1], *bit, PosRange(argv)));
}

void CmdBitOp(CommandContext& ctx, Args argv) {
  bit_ops::BitOperation op;
  if (EqualsIgnoreCase(argv[1], "and")) {
    op = bit_ops::BitOperation::kAnd;
  } else if (EqualsIgnoreCase(argv[1], "or")) {
    op = bit_ops::BitOperation::kOr;
  } else if (EqualsIgnoreCase(argv[1], "xor")) {
    op = bit_ops::BitOperation::kXor;
  } else if (EqualsIgnoreCase(argv[1], "not")) {
    op = bit_ops::BitOperation::kNot;
  } else {
    return ReplyStatus(ctx, Error(errors::kSyntax));
  }
  if (op == bit_ops::BitOperation::kNot && argv.size() != 4) {
    return ReplyStatus(ctx, Error(errors::kBitOpNotSingleKey));
  }
  ReplyInteger(ctx, bit_ops::Op(*ctx.keyspace, db(ctx), op, argv[2], argv.subspan(3)));
}

// BITFIELD and BITFIELD_RO: the whole argument list is parsed before the key is looked at.
void BitField(CommandContext& ctx, Args argv, bool read_only) {
  absl::StatusOr<std::vector<bit_ops::FieldOp>> ops = bit_ops::ParseFieldOps(argv.subspan(2));
  if (!ops.ok()) return ReplyStatus(ctx, ops.status());
  absl::StatusOr<std::vector<std::optional<int64_t>>> r =
      bit_ops::Field(*ctx.keyspace, db(ctx), argv[1], *ops, read_only);
  if (!r.ok()) return ReplyStatus(ctx, r.status());
  ctx.reply->ArrayHeader(r->size());
  for (const std::optional<int64_t>& v : *r) {
    if (v.has_value()) {
      ctx.reply->Integer(*v);
    } else {
      ctx.reply->Null();
    }
  }
}

void CmdBitField(CommandContext& ctx, Args argv) { BitField(ctx, argv, /*read_only=*/false); }
void CmdBitFieldRo(CommandContext& ctx, Args argv) { BitField(ctx, argv, /*read_only=*/true); }

// BITFIELD's key: RO ACCESS for GETs (and OVERFLOWs) only, else RW ACCESS UPDATE, as Redis 7.0's
// bitfieldGetKeys.
uint16_t BitFieldKeyFlags(Args argv) {
  if (bit_ops::FieldArgsAreReadOnly(argv.subspan(2))) return kKeyRO | kKeyAccess;
  return kKeyRW | kKeyAccess | kKeyUpdate;
}

}  // namespace

void RegisterBitFamily(CommandTable* table) {
  using namespace describe;  // NOLINT: the entry helpers
  auto unit = [] {
    return OneOf("index_unit", {Tok("byte", "BYTE"), Tok("bit", "BIT")}).Since("7.0.0").Opt();
  };
  table->Register({.name = "setbit",
                   .arity = 4,
                   .flags = kWrite | kDenyOom,
                   .acl = kAclBitmap,
                   .key_specs = {Keys(1, RW | ACCESS | UPDATE)},
                   .group = "bitmap",
                   .summary = "Sets or clears the bit at offset in the string value stored at key",
                   .since = "2.2.0",
                   .complexity = "O(1)",
                   .args = {Key("key"), Int("offset"), Int("value")},
                   .handler = CmdSetBit});
  table->Register({.name = "getbit",
                   .arity = 3,
                   .flags = kReadOnly | kFast,
                   .acl = kAclBitmap,
                   .key_specs = {Keys(1, RO | ACCESS)},
                   .group = "bitmap",
                   .summary = "Returns the bit value at offset in the string value stored at key",
                   .since = "2.2.0",
                   .complexity = "O(1)",
                   .args = {Key("key"), Int("offset")},
                   .handler = CmdGetBit});
  table->Register({.name = "bitcount",
                   .arity = -2,
                   .flags = kReadOnly,
                   .acl = kAclBitmap,
                   .key_specs = {Keys(1, RO | ACCESS)},
                   .group = "bitmap",
                   .summary = "Count set bits in a string",
                   .since = "2.6.0",
                   .complexity = "O(N)",
                   .history = {{"7.0.0", "Added the `BYTE|BIT` option."}},
                   .args = {Key("key"), Block("index", {Int("start"), Int("end"), unit()}).Opt()},
                   .handler = CmdBitCount});
  table->Register(
      {.name = "bitpos",
       .arity = -3,
       .flags = kReadOnly,
       .acl = kAclBitmap,
       .key_specs = {Keys(1, RO | ACCESS)},
       .group = "bitmap",
       .summary = "Find first bit set or clear in a string",
       .since = "2.8.7",
       .complexity = "O(N)",
       .history = {{"7.0.0", "Added the `BYTE|BIT` option."}},
       .args =
           {Key("key"), Int("bit"),
            Block("index", {Int("start"), Block("end_index", {Int("end"), unit()}).Opt()}).Opt()},
       .handler = CmdBitPos});
  table->Register({.name = "bitop",
                   .arity = -4,
                   .flags = kWrite | kDenyOom,
                   .acl = kAclBitmap,
                   .key_specs = {Keys(2, OW | UPDATE), Keys(3, RO | ACCESS, -1)},
                   .group = "bitmap",
                   .summary = "Perform bitwise operations between strings",
                   .since = "2.6.0",
                   .complexity = "O(N)",
                   .args = {Str("operation"), Key("destkey"), Key("key", 1).Multi()},
                   .handler = CmdBitOp});
  auto encoding_offset = [] { return std::vector<ArgDoc>{Str("encoding"), Int("offset")}; };
  auto with = [&](std::string_view name) {
    std::vector<ArgDoc> args = encoding_offset();
    args.push_back(Int(name));
    return args;
  };
  KeySpec bitfield_key = Keys(1, RW | ACCESS | UPDATE | kKeyVariableFlags)
                             .Notes("This command allows both access and modification of the key");
  bitfield_key.flags_for = BitFieldKeyFlags;
  table->Register(
      {.name = "bitfield",
       .arity = -2,
       .flags = kWrite | kDenyOom,
       .acl = kAclBitmap,
       .key_specs = {bitfield_key},
       .group = "bitmap",
       .summary = "Perform arbitrary bitfield integer operations on strings",
       .since = "3.2.0",
       .complexity = "O(1) for each subcommand specified",
       .args = {Key("key"),
                OneOf("operation",
                      {Block("encoding_offset", encoding_offset()).Token("GET"),
                       Block("write",
                             {OneOf("wrap_sat_fail",
                                    {Tok("wrap", "WRAP"), Tok("sat", "SAT"), Tok("fail", "FAIL")})
                                  .Token("OVERFLOW")
                                  .Opt(),
                              OneOf("write_operation",
                                    {Block("encoding_offset_value", with("value")).Token("SET"),
                                     Block("encoding_offset_increment", with("increment"))
                                         .Token("INCRBY")})})})
                    .Opt()
                    .Multi()},
       .handler = CmdBitField});
  table->Register(
      {.name = "bitfield_ro",
       .arity = -2,
       .flags = kReadOnly | kFast,
       .acl = kAclBitmap,
       .key_specs = {Keys(1, RO | ACCESS)},
       .group = "bitmap",
       .summary = "Perform arbitrary bitfield integer operations on strings. Read-only variant of "
                  "BITFIELD",
       .since = "6.0.0",
       .complexity = "O(1) for each subcommand specified",
       .args =
           {Key("key"),
            Block("encoding_offset", encoding_offset()).Token("GET").Opt().Multi().MultiToken()},
       .handler = CmdBitFieldRo});
}

}  // namespace embedis::commands
