// Argument parsing for command handlers, with Redis's exact rules: one parser per argument kind.
//
// The typed parsers return the value or a status whose message is Redis's reply text (code as
// errors::FromRedisError gives it), so a handler replies the error with ReplyStatus, and an
// argument that Redis reads only after it looked at the key can be handed, error included, to a
// typed operation as an absl::StatusOr (see list_ops.h):
//
//   absl::StatusOr<uint64_t> cursor = ParseScanCursor(argv[2]);
//   if (!cursor.ok()) return ReplyStatus(ctx, cursor.status());
//   absl::StatusOr<int64_t> count = ParseNonNegative(argv[2], errors::kMustBePositive);
//
// Kinds: an integer (ParseInteger, ParseIntegerInRange, ParsePositive, ParseNonNegative, ParseInt,
// ParseDbIndex),
// an index range (ParseIndexRange), a SCAN cursor and SCAN's options (ParseScanCursor,
// ParseScanArgs), a float (ParseFloatArg), a blocking timeout (ParseBlockingTimeoutMs) and an
// expire time (ParseExpireTimeMs). The bool parsers below them are the building blocks.
//
// Thread safety: every function is pure.
#ifndef EMBEDIS_LIB_COMMANDS_ARGS_H_
#define EMBEDIS_LIB_COMMANDS_ARGS_H_

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace embedis::commands {

// ASCII case-insensitive equality (`lower` is compared as given).
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
std::string AsciiLower(std::string_view s);

// ---- Integers ----

// A decimal int64 exactly as Redis's string2ll: optional '-', no '+', no
// leading zeros ("0" alone is fine), no spaces, no overflow.
bool ParseInt64(std::string_view s, int64_t* out);

// An integer argument as Redis's getLongLongFromObjectOrReply: errors::kNotInteger otherwise.
absl::StatusOr<int64_t> ParseInteger(std::string_view s);

// An integer in [min, max], as Redis's getRangeLongFromObjectOrReply. With `error`, a non-integer
// and a value outside both give `error` (a full reply text, "ERR ..."); without, they give
// errors::kNotInteger and "ERR value is out of range, value must between <min> and <max>".
absl::StatusOr<int64_t> ParseIntegerInRange(std::string_view s, int64_t min, int64_t max,
                                            const char* error = nullptr);

// A count >= 1 (LMPOP's COUNT, numkeys): `error` for anything else.
absl::StatusOr<int64_t> ParsePositive(std::string_view s, const char* error);
// A count >= 0, as Redis's getPositiveLongFromObjectOrReply (LPOP's count with
// errors::kMustBePositive, LPOS's COUNT and MAXLEN): `error` for anything else.
absl::StatusOr<int64_t> ParseNonNegative(std::string_view s, const char* error);

// An int as Redis's getIntFromObjectOrReply: errors::kNotInteger, or
// errors::kValueOutOfIntRange for an integer that fits 64 bits but not 32.
absl::StatusOr<int> ParseInt(std::string_view s);
// A database index as SELECT, MOVE and COPY read it: ParseInt, then 0 <= db < databases
// (errors::kDbIndexOutOfRange).
absl::StatusOr<int> ParseDbIndex(std::string_view s, int databases);

// An index range "start stop" (GETRANGE, LRANGE, LTRIM): two integers, errors::kNotInteger if
// either is not one. Negative indexes count from the end; the operation clamps.
struct IndexRange {
  int64_t start = 0;
  int64_t stop = -1;
};
absl::StatusOr<IndexRange> ParseIndexRange(std::string_view start, std::string_view stop);

// ---- SCAN ----

// A SCAN-family cursor exactly as Redis 7.0 reads it (parseScanCursorOrReply, strtoul): an
// optional sign ("-1" is 2^64 - 1), decimal digits, no leading space, no overflow. strtoul stops
// at a NUL byte and Redis then sees the end of the string, so "5\0junk" is 5; the empty string is
// 0. errors::kInvalidCursor otherwise.
absl::StatusOr<uint64_t> ParseScanCursor(std::string_view s);

// SCAN's and HSCAN's options, as Redis 7.0's scanGenericCommand reads them: COUNT n (an integer,
// errors::kNotInteger; below 1 errors::kSyntax), MATCH pattern, and for SCAN (allow_type) TYPE
// name; the last of a repeated option wins; anything else, or an option without its value, is
// errors::kSyntax.
struct ScanArgs {
  int64_t count = 10;
  std::optional<std::string_view> match = std::nullopt;  // as given: "*" and "" included
  std::optional<std::string_view> type = std::nullopt;   // SCAN only
};
absl::StatusOr<ScanArgs> ParseScanArgs(absl::Span<const std::string_view> options, bool allow_type);

// ---- Floats ----

// A long double as Redis's string2ld (INCRBYFLOAT, HINCRBYFLOAT): the whole
// string must parse, no leading space, not NaN.
bool ParseLongDouble(std::string_view s, long double* out);
// The same as an argument (getLongDoubleFromObjectOrReply): errors::kNotFloat otherwise.
absl::StatusOr<long double> ParseFloatArg(std::string_view s);

// A double as Redis's getDoubleFromObject: the whole string must parse, no
// leading space, not NaN ("inf" is accepted).
bool ParseDouble(std::string_view s, double* out);

// Formats a long double as Redis's ld2string in LD_STR_HUMAN mode (what
// INCRBYFLOAT replies): "%.17Lf" with trailing zeros of the fraction removed.
std::string FormatLongDoubleHuman(long double v);

// ---- Times ----

// A blocking command's timeout in seconds as Redis 7.0 reads it (getTimeoutFromObjectOrReply),
// in milliseconds: a long double (string2ld: "1.5", "1e3", "0x10"), times 1000, rounded up to
// whole milliseconds, converted to a 64-bit integer; 0 waits forever. As on redis-server
// (x86-64), a value whose milliseconds do not fit (inf, 1e30) converts to the most negative
// integer and is "negative", and a tiny negative one rounds up to 0 ("-0.0001" waits forever).
// errors::kTimeoutNotFloat, errors::kTimeoutNegative.
absl::StatusOr<int64_t> ParseBlockingTimeoutMs(std::string_view s);

// An expire time argument as an absolute Unix time in milliseconds.
struct ExpireArg {
  bool seconds = false;   // EX, EXAT, EXPIRE, EXPIREAT (else milliseconds)
  bool relative = false;  // EX, PX, EXPIRE, PEXPIRE: added to now_ms
  bool positive = false;  // SET's and GETEX's rule: the argument must be > 0 (EXPIRE: any)
};
// errors::kNotInteger, or "ERR invalid expire time in '<command>' command" for a value
// refused by `arg`'s rule or whose milliseconds (or sum with now_ms) overflow, as Redis 7.0's
// getExpireMillisecondsOrReply (SET, GETEX) and expireGenericCommand (the EXPIRE family).
absl::StatusOr<int64_t> ParseExpireTimeMs(std::string_view s, ExpireArg arg, int64_t now_ms,
                                          std::string_view command);

}  // namespace embedis::commands

#endif  // EMBEDIS_LIB_COMMANDS_ARGS_H_
