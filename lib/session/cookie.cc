#include "lib/session/cookie.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "lib/session/session.h"
#include "lib/util/strings.h"

namespace embedis {
namespace {

bool IsSpaceOrTab(char c) { return c == ' ' || c == '\t'; }

size_t StartIndex(std::string_view s, size_t index, size_t max) {
  for (; index < max; ++index) {
    if (!IsSpaceOrTab(s[index])) return index;
  }
  return max;
}

size_t EndIndex(std::string_view s, size_t index, size_t min) {
  while (index > min) {
    if (!IsSpaceOrTab(s[--index])) return index + 1;
  }
  return min;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Calls fn(name, raw value range) for each pair, as cookie.parse walks them.
template <typename Fn>
void WalkPairs(std::string_view str, Fn fn) {
  const size_t len = str.size();
  if (len < 2) return;
  size_t index = 0;
  do {
    const size_t eq = str.find('=', index);
    if (eq == std::string_view::npos) break;
    size_t end = str.find(';', index);
    if (end == std::string_view::npos) {
      end = len;
    } else if (eq > end) {
      // Backtrack to the last ';' before this '=' (the pair without '=' is skipped).
      index = str.rfind(';', eq - 1) + 1;
      continue;
    }
    const size_t key_start = StartIndex(str, index, eq);
    const size_t key_end = EndIndex(str, eq, key_start);
    size_t val_start = StartIndex(str, eq + 1, end);
    size_t val_end = EndIndex(str, end, val_start);
    if (val_end > val_start && str[val_start] == '"' && str[val_end - 1] == '"') {
      ++val_start;
      --val_end;
    }
    // A lone '"' makes val_start > val_end in JavaScript, where slice() then
    // returns "".
    const std::string_view value =
        val_end > val_start ? str.substr(val_start, val_end - val_start) : std::string_view();
    if (!fn(str.substr(key_start, key_end - key_start), value)) return;
    index = end + 1;
  } while (index < len);
}

std::string DecodeCookieValue(std::string_view raw) {
  if (raw.find('%') == std::string_view::npos) return std::string(raw);
  std::optional<std::string> decoded = DecodeUriComponent(raw);
  return decoded ? std::move(*decoded) : std::string(raw);
}

bool IsTokenChar(unsigned char c) {
  if (c >= '0' && c <= '9') return true;
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

bool IsCookieOctet(unsigned char c) {
  return c == 0x21 || (c >= 0x23 && c <= 0x2B) || (c >= 0x2D && c <= 0x3A) ||
         (c >= 0x3C && c <= 0x5B) || (c >= 0x5D && c <= 0x7E);
}

bool ValidCookieValue(std::string_view v) {
  // /^("?)[cookie-octet]*\1$/
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  for (unsigned char c : v) {
    if (!IsCookieOctet(c)) return false;
  }
  return true;
}

bool ValidDomain(std::string_view d) {
  if (!d.empty() && d[0] == '.') d.remove_prefix(1);
  if (d.empty()) return false;
  size_t start = 0;
  while (true) {
    size_t dot = d.find('.', start);
    std::string_view label = d.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (unsigned char c : label) {
      if (!absl::ascii_isalnum(c) && c != '-') return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

bool ValidPath(std::string_view p) {
  for (unsigned char c : p) {
    if (!((c >= 0x20 && c <= 0x3A) || (c >= 0x3D && c <= 0x7E))) return false;
  }
  return true;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> ParseCookieHeader(std::string_view header) {
  std::vector<std::pair<std::string, std::string>> out;
  WalkPairs(header, [&](std::string_view key, std::string_view raw) {
    for (const auto& [k, v] : out) {
      if (k == key) return true;  // only the first occurrence counts
    }
    out.emplace_back(std::string(key), DecodeCookieValue(raw));
    return true;
  });
  return out;
}

std::optional<std::string> GetCookie(std::string_view header, std::string_view name) {
  std::optional<std::string> found;
  WalkPairs(header, [&](std::string_view key, std::string_view raw) {
    if (key != name) return true;
    found = DecodeCookieValue(raw);
    return false;
  });
  return found;
}

std::string EncodeUriComponent(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() + 8);
  for (unsigned char c : s) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '!' || c == '~' ||
        c == '*' || c == '\'' || c == '(' || c == ')') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::optional<std::string> DecodeUriComponent(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  const auto escaped_byte = [&](size_t i) -> int {
    if (i + 2 >= s.size() || s[i] != '%') return -1;
    const int hi = HexValue(s[i + 1]), lo = HexValue(s[i + 2]);
    return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
  };
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] != '%') {
      out.push_back(s[i++]);
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    const int b = escaped_byte(i);
    if (b < 0) return std::nullopt;
    i += 3;
    if (b < 0x80) {
      out.push_back(static_cast<char>(b));
      continue;
    }
    // A multi-byte UTF-8 sequence, every byte of it %-escaped.
    int n;
    uint32_t cp;
    if ((b & 0xE0) == 0xC0) {
      n = 2, cp = b & 0x1F;
    } else if ((b & 0xF0) == 0xE0) {
      n = 3, cp = b & 0x0F;
    } else if ((b & 0xF8) == 0xF0) {
      n = 4, cp = b & 0x07;
    } else {
      return std::nullopt;
    }
    std::string seq(1, static_cast<char>(b));
    for (int k = 1; k < n; ++k) {
      if (i + 2 >= s.size() || s[i] != '%') return std::nullopt;
      const int c = escaped_byte(i);
      if (c < 0 || (c & 0xC0) != 0x80) return std::nullopt;
      cp = (cp << 6) | (c & 0x3F);
      seq.push_back(static_cast<char>(c));
      i += 3;
    }
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
    out.append(seq);
  }
  return out;
}

absl::StatusOr<std::string> SerializeCookie(std::string_view name, std::string_view value,
                                            const SetCookieAttributes& a) {
  if (name.empty()) return absl::InvalidArgumentError("argument name is invalid");
  for (unsigned char c : name) {
    if (!IsTokenChar(c)) return absl::InvalidArgumentError("argument name is invalid");
  }
  const std::string encoded = EncodeUriComponent(value);
  if (!ValidCookieValue(encoded)) return absl::InvalidArgumentError("argument val is invalid");
  std::string out;
  out.reserve(name.size() + encoded.size() + 96);
  out.append(name).push_back('=');
  out.append(encoded);
  if (a.max_age_seconds) out.append("; Max-Age=").append(std::to_string(*a.max_age_seconds));
  if (a.domain && !a.domain->empty()) {
    if (!ValidDomain(*a.domain)) return absl::InvalidArgumentError("option domain is invalid");
    out.append("; Domain=").append(*a.domain);
  }
  if (a.path && !a.path->empty()) {
    if (!ValidPath(*a.path)) return absl::InvalidArgumentError("option path is invalid");
    out.append("; Path=").append(*a.path);
  }
  if (a.expires) out.append("; Expires=").append(FormatHttpDate(*a.expires));
  if (a.http_only) out.append("; HttpOnly");
  if (a.secure) out.append("; Secure");
  if (a.partitioned) out.append("; Partitioned");
  if (a.priority && !a.priority->empty()) {
    const std::string p = absl::AsciiStrToLower(ToAbsl(*a.priority));
    if (p == "low") {
      out.append("; Priority=Low");
    } else if (p == "medium") {
      out.append("; Priority=Medium");
    } else if (p == "high") {
      out.append("; Priority=High");
    } else {
      return absl::InvalidArgumentError("option priority is invalid");
    }
  }
  if (a.same_site && !a.same_site->empty() && *a.same_site != "false") {
    const std::string s = absl::AsciiStrToLower(ToAbsl(*a.same_site));
    if (*a.same_site == "true" || s == "strict") {
      out.append("; SameSite=Strict");
    } else if (s == "lax") {
      out.append("; SameSite=Lax");
    } else if (s == "none") {
      out.append("; SameSite=None");
    } else {
      return absl::InvalidArgumentError("option sameSite is invalid");
    }
  }
  return out;
}

}  // namespace embedis
