// Glob: Redis's pattern matching, byte for byte.
//
// KEYS, SCAN/HSCAN/SSCAN/ZSCAN MATCH, PSUBSCRIBE and CONFIG GET take a
// glob-style pattern. GlobMatch() gives exactly the answers Redis 7 gives,
// including its odd corners, so clients that depend on them see no change.
//
//   GlobMatch("user:*", "user:42")        // true
//   GlobMatch("h?llo", "hallo")            // true
//   GlobMatch("h[^e]llo", "hello")         // false
//   GlobMatch("MAX*", "maxmemory", true)   // true (nocase, as CONFIG GET)
//
//   if (auto prefix = GlobLiteralPrefix(pattern)) {
//     // Every key starting with *prefix matches, and no other key does.
//   }
//
// Thread safety: all functions are pure and may be called from any thread.
//
// The rules (Redis is the specification; each rule below was observed on a
// real redis-server 7.0 and is pinned by a case in tests/util/glob_test.cc):
//
//   *        any run of bytes, including none.
//   ?        exactly one byte.
//   \x       the byte x, literally (outside and inside brackets). A backslash
//            that is the last byte of the pattern stands for itself.
//   [...]    one byte from a class; [^...] negates it. Inside a class:
//            - `a-z` is a range. Reversed ranges are swapped: [z-a] is [a-z].
//            - Bytes compare as *signed* chars in ranges, so [a-\xff] means
//              -1..97 (the bytes 0x00..'a' and 0xff) and [\x00-a] excludes
//              0x80..0xff.
//            - A range is read whenever the byte after the next is anything,
//              even `]`: [a-] is the range ']'..'a' and is unterminated.
//            - `-` first or last (with nothing after it) is literal: [-a].
//              After a range, `-` starts over: [a-c-e] is a..c, '-', 'e'.
//            - [] matches nothing ever, and [^] any one byte: `]` right after
//              `[` or `[^` closes the class; it is never a member.
//            - An unterminated class runs to the end of the pattern: `[ab`
//              is [ab], `[` alone matches nothing, `[^` any one byte.
//            - `\` escapes the next byte (`[\]]` is unterminated and matches
//              `]`); an escaped byte never starts a range.
//   other    the byte itself. NUL bytes are ordinary bytes.
//
//   The empty string matches only the empty pattern, with one exception:
//   the pattern "*" alone matches everything, including "" (KEYS and the
//   SCAN family short-circuit "*"). Note that Redis's PSUBSCRIBE has no such
//   short cut: there, "*" does not match the empty channel. Callers that
//   implement PSUBSCRIBE must check for an empty channel themselves.
//
//   Redis refuses to recurse more than 1000 levels into `*` (its guard
//   against abusive patterns). The visible effect: a pattern with more than
//   1000 runs of `*` that are followed by something else matches nothing.
//   GlobMatch reproduces this.
//
//   nocase (Redis uses it for CONFIG GET) folds ASCII A-Z to a-z with the C
//   library's tolower() in the C locale, as Redis does, including its quirks:
//   ranges fold their ends after swapping ([a-Z] is swapped to Z..a, folded
//   to z..a, and so matches nothing) and an escaped byte inside a class is
//   compared case-sensitively.
//
// Cost: O(|pattern| * |str|) time at worst, no allocation, no recursion.
// Never reads outside either view.
#ifndef EMBEDIS_LIB_UTIL_GLOB_H_
#define EMBEDIS_LIB_UTIL_GLOB_H_

#include <optional>
#include <string>
#include <string_view>

namespace embedis {

// True when `str` matches the Redis glob `pattern` (as KEYS, SCAN MATCH,
// HSCAN MATCH do; see above for PSUBSCRIBE). Binary safe.
bool GlobMatch(std::string_view pattern, std::string_view str, bool nocase = false);

// A fast path for SCAN and KEYS. When `pattern` is a literal prefix followed
// by one or more `*` and nothing else (e.g. "user:*", "a\*b**", "*"), returns
// the prefix with escapes resolved ("user:", "a*b", ""); then, for every
// `str`, GlobMatch(pattern, str) == str.starts_with(prefix). Otherwise
// (any `?`, `[`, or `*` elsewhere; or a plain literal) returns nullopt.
// Case-sensitive matching only. "**" returns nullopt, because Redis's "**"
// does not match the empty string while "*" does.
std::optional<std::string> GlobLiteralPrefix(std::string_view pattern);

// When `pattern` has no special characters (escapes are fine), returns the
// literal it stands for: GlobMatch(pattern, str) == (str == literal) for
// every `str`. Otherwise returns nullopt. Case-sensitive matching only.
std::optional<std::string> GlobLiteral(std::string_view pattern);

}  // namespace embedis

#endif  // EMBEDIS_LIB_UTIL_GLOB_H_
