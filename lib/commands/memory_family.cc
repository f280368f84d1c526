// MEMORY USAGE and MEMORY HELP. MEMORY DOCTOR, STATS, MALLOC-STATS and PURGE are not
// implemented: they answer Redis's unknown-subcommand error, from the command table.
#include <cstdint>
#include <iterator>
#include <optional>
#include <utility>

#include "lib/commands/args.h"
#include "lib/commands/command_describe.h"
#include "lib/commands/command_table.h"
#include "lib/util/errors.h"

namespace embedis::commands {
namespace {

// MEMORY USAGE key [SAMPLES count], as Redis 7.0: nil for a missing key, otherwise the bytes the
// key and its value occupy. The options are checked as Redis checks them, before the key is looked
// up, the last SAMPLES winning: a count that is not an integer: "value is not an integer or out of
// range"; a negative count, SAMPLES without a count, or any other word: "syntax error". A hash
// stored as a hash table is measured on its first `count` fields (default 5; 0: all of them) and
// extrapolated to the whole hash, so a hash of a million fields costs as little as one of ten.
// A listpack hash (at most hash-max-listpack-entries fields) and a string are measured exactly,
// whatever the count, as in Redis.
//
// The number is our real footprint, approximated (Keyspace::MemoryUsage has the details): the
// entry's slab block (40-byte header, key bytes, then the string bytes or a pointer to the hash,
// rounded to 8 bytes) plus one hash table bucket pointer; for a hash, also the HashValue object,
// its pairs (listpack) or nodes and buckets (hashtable), and the heap buffers of fields and
// values longer than std::string's inline buffer. Not counted: malloc's headers and rounding for
// the hash's allocations and for entries over 2 KiB (which malloc serves), growth slack (vector
// capacity, string capacity, the bucket array of a hash table that shrank). Measured whole, it
// depends only on the key, the value and the hash's encoding, never on the value's history, so
// the same key/value always gives the same number. It is not comparable with Redis's (different
// layouts); like Redis's, it grows with the value's size.
void CmdMemoryUsage(CommandContext& ctx, Args argv) {
  constexpr int64_t kDefaultSamples = 5;  // Redis 7.0's default (MEMORY HELP says so)
  int64_t samples = kDefaultSamples;
  for (size_t i = 3; i < argv.size(); ++i) {
    if (EqualsIgnoreCase(argv[i], "samples") && i + 1 < argv.size()) {
      if (!ParseInt64(argv[++i], &samples)) return ReplyError(ctx, errors::kNotInteger);
      if (samples < 0) return ReplyError(ctx, errors::kSyntax);
    } else {
      return ReplyError(ctx, errors::kSyntax);
    }
  }
  // SAMPLES 0 is "all", as the keyspace's 0.
  std::optional<size_t> bytes =
      ctx.keyspace->MemoryUsage(ctx.client->db, argv[2], static_cast<size_t>(samples));
  if (!bytes.has_value()) return ctx.reply->Null();
  ctx.reply->Integer(static_cast<int64_t>(*bytes));
}

// Redis's MEMORY HELP, for the subcommands embedis has.
void CmdMemoryHelp(CommandContext& ctx, Args) {
  static const char* const kLines[] = {
      "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "USAGE <key> [SAMPLES <count>]",
      "    Return memory in bytes used by <key> and its value. Nested values are",
      "    sampled up to <count> times (default: 5, 0 means sample all).",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply->ArrayHeader(std::size(kLines));
  for (const char* line : kLines) ctx.reply->SimpleString(line);
}

}  // namespace

void RegisterMemoryFamily(CommandTable* table) {
  using namespace describe;  // NOLINT: the entry helpers
  // Subcommands take their group from the container.
  table->Register(
      {.name = "memory",
       .arity = -2,
       .group = "server",
       .summary = "A container for memory diagnostics commands.",
       .since = "4.0.0",
       .complexity = "Depends on subcommand.",
       .subcommands = {{.name = "usage",
                        .arity = -3,
                        .flags = kReadOnly,
                        .key_specs = {Keys(2, RO)},
                        .summary = "Estimates the memory usage of a key.",
                        .since = "4.0.0",
                        .complexity = "O(N) where N is the number of samples.",
                        .args = {Key("key"), Int("count").Token("SAMPLES").Opt()},
                        .handler = CmdMemoryUsage},
                       {.name = "help",
                        .arity = 2,
                        .flags = kLoading | kStale,
                        .summary = "Returns helpful text about the different subcommands.",
                        .since = "4.0.0",
                        .complexity = "O(1)",
                        .handler = CmdMemoryHelp}}});
}

}  // namespace embedis::commands
