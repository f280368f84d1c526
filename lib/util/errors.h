// Redis's error reply texts, byte for byte, in one place.
//
// Clients match on these strings (redis-py raises ResponseError subclasses by
// prefix; node-redis shows them to users), so every layer that produces a
// Redis error takes its text from here. A status carrying one of these texts
// has the code shown beside it; the server writes the message as `-<text>`.
#ifndef EMBEDIS_LIB_UTIL_ERRORS_H_
#define EMBEDIS_LIB_UTIL_ERRORS_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace embedis::errors {

// kFailedPrecondition
inline constexpr char kWrongType[] =
    "WRONGTYPE Operation against a key holding the wrong kind of value";
// kNotFound
inline constexpr char kNoSuchKey[] = "ERR no such key";
// kInvalidArgument
inline constexpr char kDbIndexOutOfRange[] = "ERR DB index is out of range";
// COPY and MOVE to the same key in the same database.
inline constexpr char kSameObject[] = "ERR source and destination objects are the same";
inline constexpr char kSyntax[] = "ERR syntax error";
inline constexpr char kNotInteger[] = "ERR value is not an integer or out of range";
inline constexpr char kNotFloat[] = "ERR value is not a valid float";
inline constexpr char kOverflow[] = "ERR increment or decrement would overflow";
inline constexpr char kHashNotInteger[] = "ERR hash value is not an integer";
inline constexpr char kHashNotFloat[] = "ERR hash value is not a float";
inline constexpr char kStringTooLong[] =
    "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
// Hash family (HINCRBYFLOAT, HSCAN, HRANDFIELD), as redis-server 7.0 words them.
inline constexpr char kValueNanOrInfinity[] = "ERR value is NaN or Infinity";
inline constexpr char kIncrNanOrInfinity[] = "ERR increment would produce NaN or Infinity";
inline constexpr char kInvalidCursor[] = "ERR invalid cursor";
inline constexpr char kValueOutOfRange[] = "ERR value is out of range";
// Two texts of Redis's getRangeLongFromObjectOrReply ("value must between <min> and <max>"),
// which commands::ParseIntegerInRange builds for any bounds: HRANDFIELD's count, an int.
inline constexpr char kCountOutOfLongRange[] =
    "ERR value is out of range, value must between -9223372036854775807 and "
    "9223372036854775807";
// embedis only: HRANDFIELD with a huge negative count, whose reply would pass
// kMaxRandomReplyBytes (Redis builds it, for seconds, until memory runs out).
inline constexpr char kRandomReplyTooLarge[] =
    "ERR value is out of range, the reply would exceed 536870912 bytes";
// An integer that fits 64 bits but not an int (SELECT's, MOVE's and COPY's database index).
inline constexpr char kValueOutOfIntRange[] =
    "ERR value is out of range, value must between -2147483648 and 2147483647";

// List family (lib/commands/list_family.cc, list_ops.h), as redis-server 7.0 words them.
inline constexpr char kIndexOutOfRange[] = "ERR index out of range";
inline constexpr char kMustBePositive[] = "ERR value is out of range, must be positive";
inline constexpr char kRankZero[] =
    "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use "
    "negative to start from the end of the list";
inline constexpr char kCountNegative[] = "ERR COUNT can't be negative";
inline constexpr char kMaxLenNegative[] = "ERR MAXLEN can't be negative";
inline constexpr char kNumKeysNotPositive[] = "ERR numkeys should be greater than 0";
inline constexpr char kCountNotPositive[] = "ERR count should be greater than 0";
inline constexpr char kTimeoutNotFloat[] = "ERR timeout is not a float or out of range";
inline constexpr char kTimeoutNegative[] = "ERR timeout is negative";

// Set family (lib/commands/set_family.cc, set_ops.h), as redis-server 7.0 words them.
inline constexpr char kNumKeysOverArgs[] =
    "ERR Number of keys can't be greater than number of args";
inline constexpr char kLimitNegative[] = "ERR LIMIT can't be negative";
// Sorted-set family (lib/commands/zset_family.cc, zset_ops.h), as redis-server 7.0 words them.
inline constexpr char kScoreNaN[] = "ERR resulting score is not a number (NaN)";
inline constexpr char kMinMaxNotFloat[] = "ERR min or max is not a float";
inline constexpr char kMinMaxNotLex[] = "ERR min or max not valid string range item";
inline constexpr char kZAddNxXx[] = "ERR XX and NX options at the same time are not compatible";
inline constexpr char kZAddGtLtNx[] =
    "ERR GT, LT, and/or NX options at the same time are not compatible";
inline constexpr char kZAddIncrPairs[] = "ERR INCR option supports a single increment-element pair";
inline constexpr char kWeightNotFloat[] = "ERR weight value is not a float";
inline constexpr char kLimitNeedsByScoreOrLex[] =
    "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX";
inline constexpr char kWithScoresByLex[] =
    "ERR syntax error, WITHSCORES not supported in combination with BYLEX";
// "ERR at least 1 input key is needed for '<command>' command" (ZUNION, ZINTER, ZDIFF and the
// STORE forms), with the command's name in lower case.
std::string ZSetNeedsInputKey(std::string_view command);
// String family (lib/commands/string_family.cc, string_ops.h).
inline constexpr char kDecrementOverflow[] = "ERR decrement would overflow";
inline constexpr char kOffsetOutOfRange[] = "ERR offset is out of range";
// Bit family (lib/commands/bit_family.cc, bit_ops.h).
inline constexpr char kBitOffsetOutOfRange[] = "ERR bit offset is not an integer or out of range";
inline constexpr char kBitValueOutOfRange[] = "ERR bit is not an integer or out of range";
inline constexpr char kBitArgument[] = "ERR The bit argument must be 1 or 0.";
inline constexpr char kBitOpNotSingleKey[] =
    "ERR BITOP NOT must be called with a single source key.";
inline constexpr char kBitfieldType[] =
    "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 "
    "is.";
inline constexpr char kBitfieldOverflowType[] = "ERR Invalid OVERFLOW type specified";
inline constexpr char kBitfieldRoGetOnly[] = "ERR BITFIELD_RO only supports the GET subcommand";
// LCS (lib/commands/lcs_ops.h, string_family.cc).
inline constexpr char kLcsNotStrings[] = "ERR The specified keys must contain string values";
inline constexpr char kLcsLenAndIdx[] =
    "ERR If you want both the length and indexes, please just use IDX.";
inline constexpr char kLcsStringTooLong[] = "ERR String too long for LCS";
inline constexpr char kLcsTableTooLarge[] =
    "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len";
inline constexpr char kLcsAllocationFailed[] =
    "ERR Insufficient memory, failed allocating transient memory for LCS";

// HyperLogLog (PFADD, PFCOUNT, PFMERGE): a string that is not an HLL, and an HLL whose sparse
// registers do not add up.
inline constexpr char kNotHyperLogLog[] = "WRONGTYPE Key is not a valid HyperLogLog string value.";
inline constexpr char kCorruptedHyperLogLog[] = "INVALIDOBJ Corrupted HLL object detected";

// Connection and server commands (server/).
inline constexpr char kInvalidClientId[] = "ERR Invalid client ID";
inline constexpr char kNoSuchClient[] = "ERR No such client";
inline constexpr char kClientIdNotPositive[] = "ERR client-id should be greater than 0";
inline constexpr char kPauseMode[] = "ERR CLIENT PAUSE mode must be WRITE or ALL";
inline constexpr char kTimeoutNotInteger[] = "ERR timeout is not an integer or out of range";
inline constexpr char kUnblockReason[] = "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR";
inline constexpr char kNoConfigFile[] = "ERR The server is running without a config file";
inline constexpr char kBgsaveInProgress[] = "ERR Background save already in progress";
// BGSAVE (without SCHEDULE) while an append-only file rewrite runs, as redis-server 7.0.
inline constexpr char kBgsaveOtherChild[] =
    "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in "
    "order to schedule a BGSAVE whenever possible.";
inline constexpr char kPersistenceDisabled[] = "ERR persistence is disabled on this server";
inline constexpr char kShuttingDown[] = "ERR the server is shutting down";
inline constexpr char kNoAuth[] = "NOAUTH Authentication required.";
inline constexpr char kMaxClients[] = "ERR max number of clients reached";
inline constexpr char kProtocolVersion[] = "ERR Protocol version is not an integer or out of range";
inline constexpr char kNoShutdownInProgress[] = "ERR No shutdown in progress.";
// Writes refused after a failed background save (stop-writes-on-bgsave-error).
inline constexpr char kMisconf[] =
    "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to "
    "disk. Commands that may modify the data set are disabled, because this instance is "
    "configured to report errors during writes if RDB snapshotting fails "
    "(stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB "
    "error.";
inline constexpr char kExecAbortBecause[] = "EXECABORT Transaction discarded because of: ";
inline constexpr char kShutdownFailed[] = "ERR Errors trying to SHUTDOWN. Check logs.";

// COMMAND GETKEYS (lib/commands/command_info.cc).
inline constexpr char kGetKeysInvalidArguments[] = "ERR Invalid arguments specified for command";
inline constexpr char kGetKeysInvalidCommand[] = "ERR Invalid command specified";
inline constexpr char kGetKeysNoKeys[] = "ERR The command has no key arguments";
inline constexpr char kGetKeysInvalidArity[] =
    "ERR Invalid number of arguments specified for command";

// Transactions.
inline constexpr char kNotAllowedInMulti[] = "ERR Command not allowed inside a transaction";
inline constexpr char kMultiNested[] = "ERR MULTI calls can not be nested";
inline constexpr char kExecWithoutMulti[] = "ERR EXEC without MULTI";
inline constexpr char kDiscardWithoutMulti[] = "ERR DISCARD without MULTI";
inline constexpr char kWatchInsideMulti[] = "ERR WATCH inside MULTI is not allowed";
inline constexpr char kExecAbort[] = "EXECABORT Transaction discarded because of previous errors.";

// Keys.
inline constexpr char kNoLfuPolicy[] =
    "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that "
    "when switching between policies at runtime LRU and LFU data will take some time to adjust.";
inline constexpr char kLfuPolicySelected[] =
    "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when "
    "switching between policies at runtime LRU and LFU data will take some time to adjust.";
// maxmemory (Keyspace::kOomMessage holds the same text).
inline constexpr char kOom[] = "OOM command not allowed when used memory > 'maxmemory'.";
inline constexpr char kInvalidFirstDb[] = "ERR invalid first DB index";
inline constexpr char kInvalidSecondDb[] = "ERR invalid second DB index";

// SORT.
inline constexpr char kSortNotDouble[] = "ERR One or more scores can't be converted into double";

// The EXPIRE family's conditions (and Store::Expire's).
inline constexpr char kExpireNxConflict[] =
    "ERR NX and XX, GT or LT options at the same time are not compatible";
inline constexpr char kExpireGtLtConflict[] =
    "ERR GT and LT options at the same time are not compatible";
// "ERR invalid expire time in '<command>' command" (SET, GETEX, the EXPIRE family), with the
// command's name in lower case as Redis writes it.
std::string InvalidExpireTime(std::string_view command);
// "ERR wrong number of arguments for '<command>' command" ("parent|sub" for a subcommand).
std::string WrongArity(std::string_view command);

inline absl::Status WrongTypeError() { return absl::FailedPreconditionError(kWrongType); }

// The status for a Redis error reply's text, keeping the text as the message:
// WRONGTYPE -> kFailedPrecondition; "ERR no such key" -> kNotFound;
// NOAUTH, WRONGPASS, NOPERM -> kPermissionDenied; LOADING, BUSY, MASTERDOWN,
// TRYAGAIN -> kUnavailable; OOM (maxmemory) -> kResourceExhausted; anything else ->
// kInvalidArgument.
absl::Status FromRedisError(std::string_view message);

}  // namespace embedis::errors

#endif  // EMBEDIS_LIB_UTIL_ERRORS_H_
