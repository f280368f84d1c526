#include "lib/commands/args.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "absl/strings/str_cat.h"
#include "lib/util/errors.h"
#include "lib/util/strings.h"

namespace embedis::commands {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool ParseInt64(std::string_view s, int64_t* out) {
  if (s.empty() || s.size() > 20) return false;
  size_t i = 0;
  bool negative = false;
  if (s[0] == '-') {
    negative = true;
    i = 1;
    if (s.size() == 1) return false;
  }
  if (s.size() == 1 && s[0] == '0') {
    *out = 0;
    return true;
  }
  if (s[i] < '1' || s[i] > '9') return false;
  uint64_t v = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    uint64_t d = static_cast<uint64_t>(s[i] - '0');
    if (v > (std::numeric_limits<uint64_t>::max() - d) / 10) return false;
    v = v * 10 + d;
  }
  if (negative) {
    if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) + 1) return false;
    *out = static_cast<int64_t>(0 - v);
  } else {
    if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return false;
    *out = static_cast<int64_t>(v);
  }
  return true;
}

namespace {

absl::Status Error(std::string_view text) { return errors::FromRedisError(text); }

// strtold/strtod need a NUL-terminated string; arguments are not.
template <typename T, typename F>
bool ParseFloating(std::string_view s, T* out, F parse) {
  if (s.empty() || s.size() >= 5120) return false;
  if (std::isspace(static_cast<unsigned char>(s[0]))) return false;
  char buf[5121];
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  char* end = nullptr;
  errno = 0;
  T v = parse(buf, &end);
  if (end != buf + s.size()) return false;
  if (std::isnan(v)) return false;
  if (errno == ERANGE && (std::isinf(v) || v == 0)) return false;
  *out = v;
  return true;
}
}  // namespace

bool ParseLongDouble(std::string_view s, long double* out) {
  // string2ld: also rejects overflow to infinity reported as ERANGE.
  if (!ParseFloating(s, out, [](const char* b, char** e) { return std::strtold(b, e); })) {
    return false;
  }
  return true;
}

absl::StatusOr<long double> ParseFloatArg(std::string_view s) {
  long double v;
  if (!ParseLongDouble(s, &v)) return Error(errors::kNotFloat);
  return v;
}

bool ParseDouble(std::string_view s, double* out) {
  return ParseFloating(s, out, [](const char* b, char** e) { return std::strtod(b, e); });
}

std::string FormatLongDoubleHuman(long double v) {
  char buf[5 * 1024];
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  int len = std::snprintf(buf, sizeof(buf), "%.17Lf", v);
  // Remove trailing zeros after the decimal point, and the point itself.
  if (std::strchr(buf, '.') != nullptr) {
    while (len > 0 && buf[len - 1] == '0') --len;
    if (len > 0 && buf[len - 1] == '.') --len;
  }
  std::string out(buf, len);
  if (out == "-0") out = "0";
  return out;
}

absl::StatusOr<int64_t> ParseInteger(std::string_view s) {
  int64_t v;
  if (!ParseInt64(s, &v)) return Error(errors::kNotInteger);
  return v;
}

absl::StatusOr<int64_t> ParseIntegerInRange(std::string_view s, int64_t min, int64_t max,
                                            const char* error) {
  int64_t v;
  if (!ParseInt64(s, &v)) return Error(error != nullptr ? error : errors::kNotInteger);
  if (v < min || v > max) {
    if (error != nullptr) return Error(error);
    return Error(
        absl::StrCat(errors::kValueOutOfRange, ", value must between ", min, " and ", max));
  }
  return v;
}

absl::StatusOr<int64_t> ParsePositive(std::string_view s, const char* error) {
  return ParseIntegerInRange(s, 1, std::numeric_limits<int64_t>::max(), error);
}

absl::StatusOr<int64_t> ParseNonNegative(std::string_view s, const char* error) {
  return ParseIntegerInRange(s, 0, std::numeric_limits<int64_t>::max(), error);
}

absl::StatusOr<int> ParseInt(std::string_view s) {
  absl::StatusOr<int64_t> v =
      ParseIntegerInRange(s, std::numeric_limits<int>::min(), std::numeric_limits<int>::max());
  if (!v.ok()) return v.status();
  return static_cast<int>(*v);
}

absl::StatusOr<int> ParseDbIndex(std::string_view s, int databases) {
  absl::StatusOr<int> db = ParseInt(s);
  if (db.ok() && (*db < 0 || *db >= databases)) return Error(errors::kDbIndexOutOfRange);
  return db;
}

absl::StatusOr<IndexRange> ParseIndexRange(std::string_view start, std::string_view stop) {
  IndexRange r;
  if (!ParseInt64(start, &r.start) || !ParseInt64(stop, &r.stop)) {
    return Error(errors::kNotInteger);
  }
  return r;
}

absl::StatusOr<uint64_t> ParseScanCursor(std::string_view s) {
  s = s.substr(0, s.find('\0'));
  if (s.empty()) return 0;
  if (std::isspace(static_cast<unsigned char>(s[0]))) return Error(errors::kInvalidCursor);
  size_t i = 0;
  const bool negative = s[0] == '-';
  if (s[0] == '+' || s[0] == '-') i = 1;
  if (i == s.size()) return Error(errors::kInvalidCursor);  // a sign without digits
  uint64_t v = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return Error(errors::kInvalidCursor);
    const uint64_t d = static_cast<uint64_t>(s[i] - '0');
    if (v > (std::numeric_limits<uint64_t>::max() - d) / 10) {
      return Error(errors::kInvalidCursor);  // ERANGE
    }
    v = v * 10 + d;
  }
  return negative ? 0 - v : v;
}

absl::StatusOr<ScanArgs> ParseScanArgs(absl::Span<const std::string_view> options,
                                       bool allow_type) {
  ScanArgs out;
  for (size_t i = 0; i < options.size(); i += 2) {
    if (i + 1 >= options.size()) return Error(errors::kSyntax);
    std::string_view name = options[i], value = options[i + 1];
    if (EqualsIgnoreCase(name, "count")) {
      if (!ParseInt64(value, &out.count)) return Error(errors::kNotInteger);
      if (out.count < 1) return Error(errors::kSyntax);
    } else if (EqualsIgnoreCase(name, "match")) {
      out.match = value;
    } else if (allow_type && EqualsIgnoreCase(name, "type")) {
      out.type = value;
    } else {
      return Error(errors::kSyntax);
    }
  }
  return out;
}

absl::StatusOr<int64_t> ParseBlockingTimeoutMs(std::string_view s) {
  long double seconds;
  if (!ParseLongDouble(s, &seconds)) return Error(errors::kTimeoutNotFloat);
  const long double t = std::ceil(seconds * 1000.0L);
  constexpr long double kLimit = 9223372036854775808.0L;  // 2^63
  if (!(t >= -kLimit && t < kLimit) || t < 0) return Error(errors::kTimeoutNegative);
  return static_cast<int64_t>(t);
}

absl::StatusOr<int64_t> ParseExpireTimeMs(std::string_view s, ExpireArg arg, int64_t now_ms,
                                          std::string_view command) {
  int64_t v;
  if (!ParseInt64(s, &v)) return Error(errors::kNotInteger);
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  auto invalid = [&] { return Error(errors::InvalidExpireTime(command)); };
  if (arg.positive && v <= 0) return invalid();
  if (arg.seconds) {
    if (v > kMax / 1000 || v < kMin / 1000) return invalid();
    v *= 1000;
  }
  if (arg.relative) {
    if (v > 0 && now_ms > kMax - v) return invalid();
    v += now_ms;
  }
  return v;
}

}  // namespace embedis::commands
