#include "lib/util/glob.h"

#include <algorithm>
#include <cstddef>
#include <utility>

namespace embedis {
namespace {

// Redis gives up on a match once it has recursed this deep into `*`.
constexpr int kMaxStarDepth = 1000;

// Redis compares bytes as (signed) char promoted to int; ranges depend on it.
int SignedByte(char c) { return static_cast<signed char>(c); }

// glibc's tolower() in the C locale, applied to a signed char value, which is
// what Redis's nocase matching does: ASCII A-Z fold to a-z, and the negative
// values -128..-2 come back as 128..254 (glibc's table is indexed from -128
// and maps those entries to their unsigned byte). -1 is EOF and comes back
// unchanged. Only range comparisons can see the difference.
int RedisToLower(int c) {
  if (c >= 'A' && c <= 'Z') return c - 'A' + 'a';
  if (c >= -128 && c <= -2) return c + 256;
  return c;
}

// Matches one pattern element other than `*` at pattern[*pos] against the
// byte `c`, and moves *pos past the element. The element is parsed the same
// way whatever `c` is, so parsing and matching can share one pass.
// REQUIRES: *pos < pattern.size() and pattern[*pos] != '*'.
bool MatchElement(std::string_view p, size_t* pos, char c, bool nocase) {
  const size_t n = p.size();
  size_t i = *pos;
  switch (p[i]) {
    case '?':
      *pos = i + 1;
      return true;
    case '[': {
      ++i;
      const bool negate = i < n && p[i] == '^';
      if (negate) ++i;
      bool match = false;
      while (i < n) {
        if (p[i] == '\\' && n - i >= 2) {
          // Escaped member; compared exactly even under nocase (as Redis).
          if (p[i + 1] == c) match = true;
          i += 2;
        } else if (p[i] == ']') {
          ++i;
          break;
        } else if (n - i >= 3 && p[i + 1] == '-') {
          int start = SignedByte(p[i]);
          int end = SignedByte(p[i + 2]);
          int ch = SignedByte(c);
          if (start > end) std::swap(start, end);
          if (nocase) {
            start = RedisToLower(start);
            end = RedisToLower(end);
            ch = RedisToLower(ch);
          }
          if (ch >= start && ch <= end) match = true;
          i += 3;
        } else {
          if (nocase ? RedisToLower(SignedByte(p[i])) == RedisToLower(SignedByte(c)) : p[i] == c) {
            match = true;
          }
          ++i;
        }
      }
      // An unterminated class simply ends with the pattern.
      *pos = i;
      return match != negate;
    }
    case '\\':
      // A trailing backslash is an ordinary byte.
      if (n - i >= 2) ++i;
      [[fallthrough]];
    default:
      *pos = i + 1;
      return nocase ? RedisToLower(SignedByte(p[i])) == RedisToLower(SignedByte(c)) : p[i] == c;
  }
}

// Moves past a pattern element other than `*` without matching anything.
size_t SkipElement(std::string_view p, size_t pos) {
  MatchElement(p, &pos, '\0', false);
  return pos;
}

// The number of runs of `*` that are followed by another element. Redis must
// recurse through every one of them to find a match.
int CountInnerStarRuns(std::string_view p) {
  int runs = 0;
  size_t i = 0;
  while (i < p.size()) {
    if (p[i] == '*') {
      while (i < p.size() && p[i] == '*') ++i;
      if (i < p.size()) ++runs;
    } else {
      i = SkipElement(p, i);
    }
  }
  return runs;
}

}  // namespace

// How it works. Every element other than `*` consumes exactly one byte, so
// the classic two-finger algorithm is exact: walk pattern and string
// together; at a `*`, remember where it stands in both; on a mismatch go back
// to the most recent `*` and let it swallow one more byte. Going back to an
// older `*` is never needed: anything an older `*` could reach by taking more
// bytes, the newer one reaches too. That makes the worst case
// O(|pattern| * |str|), where naive recursion is exponential (Redis prunes
// its recursion the same way).
//
// What remains are Redis's edges: the empty string (its loop never runs, so
// only the empty pattern matches it, except for the "*" short cut in KEYS and
// SCAN), and its recursion limit (see the header).
bool GlobMatch(std::string_view pattern, std::string_view str, bool nocase) {
  if (pattern.size() == 1 && pattern[0] == '*') return true;
  if (str.empty()) return pattern.empty();
  if (std::count(pattern.begin(), pattern.end(), '*') > kMaxStarDepth &&
      CountInnerStarRuns(pattern) > kMaxStarDepth) {
    return false;
  }

  const size_t pn = pattern.size();
  const size_t sn = str.size();
  size_t p = 0;
  size_t s = 0;
  bool have_star = false;
  size_t star_p = 0;  // pattern position just after the latest `*` run
  size_t star_s = 0;  // where that `*` started swallowing
  while (s < sn) {
    if (p < pn && pattern[p] == '*') {
      while (p < pn && pattern[p] == '*') ++p;
      if (p == pn) return true;  // trailing `*` takes the rest
      have_star = true;
      star_p = p;
      star_s = s;
      continue;
    }
    if (p < pn && MatchElement(pattern, &p, str[s], nocase)) {
      ++s;
      continue;
    }
    if (!have_star) return false;
    // Let the latest `*` swallow one more byte. The rest of the pattern
    // starts with an element that needs a byte, so it cannot match an empty
    // remainder: stop when the `*` would take everything.
    ++star_s;
    if (star_s >= sn) return false;
    p = star_p;
    s = star_s;
  }
  // The string is used up: only `*` may remain.
  while (p < pn && pattern[p] == '*') ++p;
  return p == pn;
}

namespace {

// Resolves escapes in pattern[0, end), which must hold no special character
// other than escapes; nullopt if it does.
std::optional<std::string> Unescape(std::string_view pattern) {
  std::string out;
  out.reserve(pattern.size());
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '*' || c == '?' || c == '[') return std::nullopt;
    if (c == '\\' && i + 1 < pattern.size()) c = pattern[++i];
    out.push_back(c);
  }
  return out;
}

}  // namespace

std::optional<std::string> GlobLiteralPrefix(std::string_view pattern) {
  if (pattern == "*") return std::string();
  size_t end = pattern.size();
  while (end > 0 && pattern[end - 1] == '*') --end;
  if (end == pattern.size() || end == 0) return std::nullopt;
  // The last `*` of the body may be escaped: "a\*" is a literal. Count the
  // backslashes just before the run: an odd count escapes its first `*`.
  size_t backslashes = 0;
  while (backslashes < end && pattern[end - 1 - backslashes] == '\\') ++backslashes;
  if (backslashes % 2 == 1) {
    ++end;  // the escaped `*` belongs to the literal
    if (end == pattern.size()) return std::nullopt;
  }
  return Unescape(pattern.substr(0, end));
}

std::optional<std::string> GlobLiteral(std::string_view pattern) { return Unescape(pattern); }

}  // namespace embedis
