// Argument parsing for command handlers, with Redis's exact rules.
//
//   int64_t n;
//   if (!ParseInt64(argv[2], &n)) return ReplyError(ctx, errors::kNotInteger);
//   if (EqualsIgnoreCase(argv[3], "nx")) ...
#ifndef EMBEDIS_LIB_COMMANDS_ARGS_H_
#define EMBEDIS_LIB_COMMANDS_ARGS_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace embedis::commands {

// ASCII case-insensitive equality (`lower` is compared as given).
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
std::string AsciiLower(std::string_view s);

// A decimal int64 exactly as Redis's string2ll: optional '-', no '+', no
// leading zeros ("0" alone is fine), no spaces, no overflow.
bool ParseInt64(std::string_view s, int64_t* out);

// An int as Redis's getIntFromObjectOrReply reads it: ParseInt64, then the int range. Returns
// nullptr on success, else the error text Redis replies by default (errors::kNotInteger, or
// errors::kValueOutOfIntRange for an integer that fits 64 bits but not 32).
const char* ParseIntOrError(std::string_view s, int* out);

// A SCAN-family cursor (HSCAN, SSCAN) exactly as Redis 7.0 reads it with strtoul(): an optional
// sign ("-1" is 2^64 - 1), decimal digits, no leading space, no overflow. strtoul stops at a NUL
// byte and Redis then sees the end of the string, so "5\0junk" is 5; the empty string is 0.
bool ParseScanCursor(std::string_view s, uint64_t* out);
// A long double as Redis's string2ld (INCRBYFLOAT, HINCRBYFLOAT): the whole
// string must parse, no leading space, not NaN.
bool ParseLongDouble(std::string_view s, long double* out);

// A double as Redis's getDoubleFromObject: the whole string must parse, no
// leading space, not NaN ("inf" is accepted).
bool ParseDouble(std::string_view s, double* out);

// Formats a long double as Redis's ld2string in LD_STR_HUMAN mode (what
// INCRBYFLOAT replies): "%.17Lf" with trailing zeros of the fraction removed.
std::string FormatLongDoubleHuman(long double v);

}  // namespace embedis::commands

#endif  // EMBEDIS_LIB_COMMANDS_ARGS_H_
