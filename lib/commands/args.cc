#include "lib/commands/args.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "lib/util/errors.h"

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

const char* ParseIntOrError(std::string_view s, int* out) {
  int64_t v;
  if (!ParseInt64(s, &v)) return errors::kNotInteger;
  if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max()) {
    return errors::kValueOutOfIntRange;
  }
  *out = static_cast<int>(v);
  return nullptr;
}

bool ParseLongDouble(std::string_view s, long double* out) {
  // string2ld: also rejects overflow to infinity reported as ERANGE.
  if (!ParseFloating(s, out, [](const char* b, char** e) { return std::strtold(b, e); })) {
    return false;
  }
  return true;
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

bool ParseScanCursor(std::string_view s, uint64_t* out) {
  s = s.substr(0, s.find('\0'));
  if (s.empty()) {
    *out = 0;
    return true;
  }
  if (std::isspace(static_cast<unsigned char>(s[0]))) return false;
  size_t i = 0;
  const bool negative = s[0] == '-';
  if (s[0] == '+' || s[0] == '-') i = 1;
  if (i == s.size()) return false;  // a sign without digits
  uint64_t v = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    const uint64_t d = static_cast<uint64_t>(s[i] - '0');
    if (v > (std::numeric_limits<uint64_t>::max() - d) / 10) return false;  // ERANGE
    v = v * 10 + d;
  }
  *out = negative ? 0 - v : v;
  return true;
}

}  // namespace embedis::commands
