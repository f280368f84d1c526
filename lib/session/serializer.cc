// The JSON session serializer: JSON.stringify's exact output, and a parser
// that accepts what express-session writes.
#include "lib/session/serializer.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include "absl/status/status.h"
#include "lib/session/session.h"
#include "lib/util/strings.h"

namespace embedis {
namespace {

using Json = nlohmann::ordered_json;

constexpr int kMaxJsonDepth = 512;

void AppendHex4(unsigned v, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  char buf[6] = {'\\',        'u', kHex[(v >> 12) & 15], kHex[(v >> 8) & 15], kHex[(v >> 4) & 15],
                 kHex[v & 15]};
  out->append(buf, 6);
}

// Length of the valid UTF-8 sequence starting at s[i] (2..4), or 0 if invalid
// (overlong forms, surrogates and code points above U+10FFFF are invalid).
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  const size_t left = s.size() - i;
  const auto cont = [&](size_t k) { return (b(k) & 0xC0) == 0x80; };
  if (c >= 0xC2 && c <= 0xDF) return left >= 2 && cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (left < 3 || !cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && b(1) < 0xA0) return 0;   // overlong
    if (c == 0xED && b(1) >= 0xA0) return 0;  // surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (left < 4 || !cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && b(1) < 0x90) return 0;   // overlong
    if (c == 0xF4 && b(1) >= 0x90) return 0;  // > U+10FFFF
    return 4;
  }
  return 0;
}

void AppendJsString(std::string_view s, std::string* out) {
  out->push_back('"');
  size_t run = 0;  // start of the pending run of bytes copied as they are
  size_t i = 0;
  const auto flush = [&](size_t end) { out->append(s.data() + run, end - run); };
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      const size_t n = Utf8SequenceLength(s, i);
      if (n != 0) {
        i += n;
        continue;
      }
      flush(i);
      if (c == 0xED && s.size() - i >= 3 && (static_cast<unsigned char>(s[i + 1]) & 0xE0) == 0xA0 &&
          (static_cast<unsigned char>(s[i + 2]) & 0xC0) == 0x80) {
        // A lone surrogate in WTF-8 (as the parser keeps "\ud800"): JSON.stringify
        // writes it as an escape.
        AppendHex4(0xD000 | ((s[i + 1] & 0x3F) << 6) | (s[i + 2] & 0x3F), out);
        run = i += 3;
        continue;
      }
      out->append("\xEF\xBF\xBD");  // U+FFFD, as a UTF-8 decoder would read it
      run = ++i;
      continue;
    }
    flush(i);
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        AppendHex4(c, out);
    }
    run = ++i;
  }
  flush(i);
  out->push_back('"');
}

void AppendJsonKey(std::string_view key, std::string* out) {
  AppendJsString(key, out);
  out->push_back(':');
}

template <typename Int>
void AppendInt(Int v, std::string* out) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, end - buf);
}

// One field of a stored cookie, as express-session's Cookie constructor
// copies it: fields of the wrong type read as unset, unknown fields are
// dropped; an "expires" string must be a date.
absl::Status ApplyCookieField(std::string_view key, const Json& v, SessionCookie* c) {
  const auto opt_bool = [&](std::optional<bool>* dst) {
    if (v.is_boolean()) {
      *dst = v.get<bool>();
    } else {
      dst->reset();
    }
  };
  const auto opt_string = [&](std::optional<std::string>* dst) {
    if (v.is_string()) {
      *dst = v.get_ref<const std::string&>();
    } else {
      dst->reset();
    }
  };
  if (key == "originalMaxAge") {
    if (v.is_number_integer()) {
      c->original_max_age = v.get<int64_t>();
    } else if (v.is_number_float() && std::isfinite(v.get<double>())) {
      c->original_max_age = static_cast<int64_t>(v.get<double>());
    } else {
      c->original_max_age.reset();
    }
  } else if (key == "expires") {
    if (v.is_string()) {
      auto t = ParseIsoTime(v.get_ref<const std::string&>());
      if (!t.ok()) return t.status();
      c->expires = *t;
    } else {
      c->expires.reset();
    }
  } else if (key == "secure") {
    opt_bool(&c->secure);
  } else if (key == "httpOnly") {
    opt_bool(&c->http_only);
  } else if (key == "partitioned") {
    opt_bool(&c->partitioned);
  } else if (key == "domain") {
    opt_string(&c->domain);
  } else if (key == "path") {
    opt_string(&c->path);
  } else if (key == "priority") {
    opt_string(&c->priority);
  } else if (key == "sameSite") {
    if (v.is_boolean()) {
      c->same_site = v.get<bool>() ? "true" : "false";
    } else {
      opt_string(&c->same_site);
    }
  }
  return absl::OkStatus();
}

// A JSON parser with JSON.parse's rules, building an ordered_json directly
// (several times faster than nlohmann's parser, which dominates a session
// read otherwise). Differences from nlohmann's: a lone UTF-16 surrogate
// escape (which JSON.parse accepts) is kept as its 3-byte WTF-8 form, which
// AppendJsString writes back as the same escape; a repeated key keeps its
// first position and takes the last value, as in JavaScript. Nesting is
// limited to kMaxJsonDepth.
class JsonParser {
 public:
  explicit JsonParser(std::string_view text) : p_(text.data()), end_(text.data() + text.size()) {}

  absl::Status ParseDocument(Json* out) {
    SkipSpace();
    if (!ParseValue(out, 0)) return Error();
    SkipSpace();
    if (p_ != end_) return FailStatus("unexpected data after the JSON value");
    return absl::OkStatus();
  }

 private:
  absl::Status Error() const {
    return absl::InvalidArgumentError(ToAbsl("session is not JSON: " + error_));
  }
  bool Fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
    return false;
  }
  absl::Status FailStatus(std::string message) {
    Fail(std::move(message));
    return Error();
  }
  void SkipSpace() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }
  bool Literal(std::string_view word) {
    if (static_cast<size_t>(end_ - p_) < word.size() ||
        std::memcmp(p_, word.data(), word.size()) != 0) {
      return Fail("invalid literal");
    }
    p_ += word.size();
    return true;
  }

  bool ParseValue(Json* out, int depth) {
    if (p_ == end_) return Fail("unexpected end");
    switch (*p_) {
      case '{':
        return ParseObject(out, depth + 1);
      case '[':
        return ParseArray(out, depth + 1);
      case '"': {
        std::string s;
        if (!ParseString(&s)) return false;
        *out = std::move(s);
        return true;
      }
      case 't':
        *out = true;
        return Literal("true");
      case 'f':
        *out = false;
        return Literal("false");
      case 'n':
        *out = nullptr;
        return Literal("null");
      default:
        return ParseNumber(out);
    }
  }

  using Members = Json::object_t::Container;  // the ordered_map's vector
  using MemberIndex = std::unique_ptr<StringMap<size_t>>;

  // JavaScript: a repeated key keeps its place and takes the last value.
  // Returns the member's position.
  static size_t AddMember(Members& obj, MemberIndex& index, std::string key, Json value) {
    size_t found = obj.size();
    if (index != nullptr) {
      if (auto it = index->find(key); it != index->end()) found = it->second;
    } else {
      for (size_t i = 0; i < obj.size(); ++i) {
        if (obj[i].first == key) {
          found = i;
          break;
        }
      }
    }
    if (found < obj.size()) {
      obj[found].second = std::move(value);
      return found;
    }
    if (index != nullptr) index->emplace(key, obj.size());
    obj.emplace_back(std::move(key), std::move(value));
    if (index == nullptr && obj.size() == 32) {  // big object: index the keys
      index = std::make_unique<StringMap<size_t>>();
      for (size_t i = 0; i < obj.size(); ++i) index->emplace(obj[i].first, i);
    }
    return found;
  }

  // Calls member(key) for each member of the object at p_ ('{'); member
  // parses the value.
  template <typename MemberFn>
  bool ParseMembers(MemberFn member) {
    ++p_;  // '{'
    SkipSpace();
    if (p_ != end_ && *p_ == '}') {
      ++p_;
      return true;
    }
    while (true) {
      SkipSpace();
      if (p_ == end_ || *p_ != '"') return Fail("expected a key");
      std::string key;
      if (!ParseString(&key)) return false;
      SkipSpace();
      if (p_ == end_ || *p_ != ':') return Fail("expected ':'");
      ++p_;
      SkipSpace();
      if (!member(std::move(key))) return false;
      SkipSpace();
      if (p_ == end_) return Fail("unterminated object");
      if (*p_ == ',') {
        ++p_;
        continue;
      }
      if (*p_ == '}') {
        ++p_;
        return true;
      }
      return Fail("expected ',' or '}'");
    }
  }

  bool ParseObject(Json* out, int depth) {
    if (depth > kMaxJsonDepth) return Fail("nested too deeply");
    *out = Json::object();
    auto& obj = static_cast<Members&>(out->get_ref<Json::object_t&>());
    MemberIndex index;
    return ParseMembers([&](std::string key) {
      Json value;
      if (!ParseValue(&value, depth)) return false;
      AddMember(obj, index, std::move(key), std::move(value));
      return true;
    });
  }

 public:
  // Parses a whole stored session: a JSON object whose "cookie" member is
  // read straight into s->cookie and whose other members become s->data.
  absl::Status ParseSession(Session* s) {
    SkipSpace();
    if (p_ == end_ || *p_ != '{') {
      Json other;
      if (absl::Status st = ParseDocument(&other); !st.ok()) return st;
      return absl::InvalidArgumentError("session JSON is not an object");
    }
    auto& obj = static_cast<Members&>(s->data.get_ref<Json::object_t&>());
    obj.reserve(8);
    MemberIndex index;
    bool have_cookie = false;
    absl::Status field_error;
    const bool ok = ParseMembers([&](std::string key) {
      if (key != "cookie") {
        Json value;
        if (!ParseValue(&value, 1)) return false;
        AddMember(obj, index, std::move(key), std::move(value));
        return true;
      }
      if (p_ == end_ || *p_ != '{') return Fail("session has no cookie object");
      if (!have_cookie) s->cookie_position = obj.size();
      have_cookie = true;
      s->cookie = SessionCookie();  // a repeated "cookie" replaces the first
      return ParseMembers([&](std::string field) {
        Json value;
        if (!ParseValue(&value, 2)) return false;
        if (field_error.ok()) field_error = ApplyCookieField(field, value, &s->cookie);
        return true;
      });
    });
    if (!ok) {
      if (error_ == "session has no cookie object") {
        return absl::InvalidArgumentError("session has no cookie object");
      }
      return Error();
    }
    SkipSpace();
    if (p_ != end_) return FailStatus("unexpected data after the JSON value");
    if (!have_cookie) return absl::InvalidArgumentError("session has no cookie object");
    return field_error;
  }

 private:
  bool ParseArray(Json* out, int depth) {
    if (depth > kMaxJsonDepth) return Fail("nested too deeply");
    ++p_;  // '['
    *out = Json::array();
    auto& arr = out->get_ref<Json::array_t&>();
    arr.reserve(4);
    SkipSpace();
    if (p_ != end_ && *p_ == ']') {
      ++p_;
      return true;
    }
    while (true) {
      SkipSpace();
      arr.emplace_back();
      if (!ParseValue(&arr.back(), depth)) return false;
      SkipSpace();
      if (p_ == end_) return Fail("unterminated array");
      if (*p_ == ',') {
        ++p_;
        continue;
      }
      if (*p_ == ']') {
        ++p_;
        return true;
      }
      return Fail("expected ',' or ']'");
    }
  }

  bool Hex4(unsigned* out) {
    if (end_ - p_ < 4) return Fail("truncated \\u escape");
    unsigned v = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = p_[i];
      v <<= 4;
      if (c >= '0' && c <= '9') {
        v |= c - '0';
      } else if (c >= 'a' && c <= 'f') {
        v |= c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        v |= c - 'A' + 10;
      } else {
        return Fail("bad \\u escape");
      }
    }
    p_ += 4;
    *out = v;
    return true;
  }

  static void AppendUtf8(unsigned cp, std::string* out) {
    if (cp < 0x80) {
      out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {  // includes lone surrogates (WTF-8)
      out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  bool ParseString(std::string* out) {
    ++p_;  // '"'
    const char* run = p_;
    while (true) {
      if (p_ == end_) return Fail("unterminated string");
      const unsigned char c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        out->append(run, p_ - run);
        ++p_;
        return true;
      }
      if (c < 0x20) return Fail("control character in string");
      if (c != '\\') {
        ++p_;
        continue;
      }
      out->append(run, p_ - run);
      ++p_;
      if (p_ == end_) return Fail("unterminated string");
      const char e = *p_++;
      switch (e) {
        case '"':
          out->push_back('"');
          break;
        case '\\':
          out->push_back('\\');
          break;
        case '/':
          out->push_back('/');
          break;
        case 'b':
          out->push_back('\b');
          break;
        case 'f':
          out->push_back('\f');
          break;
        case 'n':
          out->push_back('\n');
          break;
        case 'r':
          out->push_back('\r');
          break;
        case 't':
          out->push_back('\t');
          break;
        case 'u': {
          unsigned cp;
          if (!Hex4(&cp)) return false;
          if (cp >= 0xD800 && cp <= 0xDBFF && end_ - p_ >= 6 && p_[0] == '\\' && p_[1] == 'u') {
            const char* save = p_;
            p_ += 2;
            unsigned lo;
            if (!Hex4(&lo)) return false;
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else {
              p_ = save;  // a lone high surrogate, then another escape
            }
          }
          AppendUtf8(cp, out);
          break;
        }
        default:
          return Fail("bad escape");
      }
      run = p_;
    }
  }

  bool ParseNumber(Json* out) {
    const char* start = p_;
    bool negative = false;
    if (p_ != end_ && *p_ == '-') {
      negative = true;
      ++p_;
    }
    if (p_ == end_ || *p_ < '0' || *p_ > '9') return Fail("invalid value");
    const char* int_start = p_;
    if (*p_ == '0') {
      ++p_;
    } else {
      while (p_ != end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    }
    const size_t int_digits = p_ - int_start;
    bool integral = true;
    if (p_ != end_ && *p_ == '.') {
      integral = false;
      ++p_;
      if (p_ == end_ || *p_ < '0' || *p_ > '9') return Fail("invalid number");
      while (p_ != end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    }
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
      integral = false;
      ++p_;
      if (p_ != end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (p_ == end_ || *p_ < '0' || *p_ > '9') return Fail("invalid number");
      while (p_ != end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    }
    // Integers as nlohmann types them: non-negative unsigned, negative signed,
    // and doubles beyond 64 bits.
    uint64_t v = 0;
    bool fits = integral && int_digits <= 20;
    for (const char* q = int_start; fits && q != p_; ++q) {
      fits = !__builtin_mul_overflow(v, 10, &v) && !__builtin_add_overflow(v, *q - '0', &v);
    }
    if (fits) {
      if (!negative) {
        *out = v;
        return true;
      }
      if (v <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) + 1) {
        *out = static_cast<int64_t>(0 - v);
        return true;
      }
    }
    double d = 0;
    const auto [ptr, ec] = std::from_chars(start, p_, d);
    if (ptr != p_) return Fail("invalid number");
    if (ec == std::errc::result_out_of_range) {
      // Overflow (JSON.parse gives Infinity) or underflow (0): strtod says which.
      d = std::strtod(std::string(start, p_).c_str(), nullptr);
    }
    *out = d;
    return true;
  }

  const char* p_;
  const char* const end_;
  std::string error_;
};

void AppendCookie(const SessionCookie& c, std::string* out) {
  out->append("{\"originalMaxAge\":");
  if (c.original_max_age) {
    AppendInt(*c.original_max_age, out);
  } else {
    out->append("null");
  }
  const auto opt_bool = [&](const char* key, const std::optional<bool>& v) {
    if (!v) return;
    out->append(",\"").append(key).append("\":").append(*v ? "true" : "false");
  };
  const auto opt_string = [&](const char* key, const std::optional<std::string>& v) {
    if (!v) return;
    out->append(",\"").append(key).append("\":");
    AppendJsString(*v, out);
  };
  opt_bool("partitioned", c.partitioned);
  opt_string("priority", c.priority);
  out->append(",\"expires\":");
  if (c.expires) {
    out->push_back('"');
    out->append(FormatIsoTime(*c.expires));
    out->push_back('"');
  } else {
    out->append("null");
  }
  opt_bool("secure", c.secure);
  opt_bool("httpOnly", c.http_only);
  opt_string("domain", c.domain);
  opt_string("path", c.path);
  if (c.same_site && (*c.same_site == "true" || *c.same_site == "false")) {
    out->append(",\"sameSite\":").append(*c.same_site);
  } else {
    opt_string("sameSite", c.same_site);
  }
  out->push_back('}');
}

class JsonSerializer final : public SessionSerializer {
 public:
  std::string Stringify(const Session& s) const override {
    std::string out;
    out.reserve(256);
    out.push_back('{');
    bool first = true;
    const auto cookie = [&] {
      if (!first) out.push_back(',');
      first = false;
      out.append("\"cookie\":");
      AppendCookie(s.cookie, &out);
    };
    size_t index = 0;
    if (s.data.is_object()) {
      for (const auto& [key, v] : s.data.get_ref<const Json::object_t&>()) {
        if (key == "cookie") continue;  // the typed cookie wins
        if (index++ == s.cookie_position) cookie();
        if (!first) out.push_back(',');
        first = false;
        AppendJsonKey(key, &out);
        AppendJsJson(v, &out);
      }
    }
    if (index <= s.cookie_position) cookie();
    out.push_back('}');
    return out;
  }

  absl::StatusOr<Session> Parse(std::string_view data) const override {
    Session s;
    if (absl::Status st = JsonParser(data).ParseSession(&s); !st.ok()) return st;
    return s;
  }
};

}  // namespace

void AppendJsNumber(double v, std::string* out) {
  if (!std::isfinite(v)) {
    out->append("null");  // what JSON.stringify writes for NaN and Infinity
    return;
  }
  if (v == 0) {
    out->push_back('0');  // also -0
    return;
  }
  if (v < 0) {
    out->push_back('-');
    v = -v;
  }
  // The shortest digits that round-trip, as JavaScript picks them, then
  // Number::toString's layout rules (ECMA-262 Number::toString, steps 6-12).
  char buf[40];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string_view sci(buf, end - buf);
  const size_t e_pos = sci.find('e');
  std::string digits;
  digits.reserve(20);
  for (char c : sci.substr(0, e_pos)) {
    if (c != '.') digits.push_back(c);
  }
  int exp10 = 0;
  std::from_chars(sci.data() + e_pos + (sci[e_pos + 1] == '+' ? 2 : 1), sci.data() + sci.size(),
                  exp10);
  const int k = static_cast<int>(digits.size());
  const int n = exp10 + 1;
  if (k <= n && n <= 21) {
    out->append(digits);
    out->append(n - k, '0');
  } else if (0 < n && n <= 21) {
    out->append(digits, 0, n);
    out->push_back('.');
    out->append(digits, n, std::string::npos);
  } else if (-6 < n && n <= 0) {
    out->append("0.");
    out->append(-n, '0');
    out->append(digits);
  } else {
    out->push_back(digits[0]);
    if (k > 1) {
      out->push_back('.');
      out->append(digits, 1, std::string::npos);
    }
    out->push_back('e');
    out->push_back(n - 1 >= 0 ? '+' : '-');
    AppendInt(n - 1 >= 0 ? n - 1 : 1 - n, out);
  }
}

void AppendJsJson(const Json& v, std::string* out) {
  switch (v.type()) {
    case Json::value_t::object: {
      out->push_back('{');
      bool first = true;
      for (const auto& [key, item] : v.get_ref<const Json::object_t&>()) {
        if (!first) out->push_back(',');
        first = false;
        AppendJsonKey(key, out);
        AppendJsJson(item, out);
      }
      out->push_back('}');
      return;
    }
    case Json::value_t::array: {
      out->push_back('[');
      bool first = true;
      for (const auto& item : v.get_ref<const Json::array_t&>()) {
        if (!first) out->push_back(',');
        first = false;
        AppendJsJson(item, out);
      }
      out->push_back(']');
      return;
    }
    case Json::value_t::string:
      AppendJsString(v.get_ref<const std::string&>(), out);
      return;
    case Json::value_t::boolean:
      out->append(v.get<bool>() ? "true" : "false");
      return;
    case Json::value_t::number_integer:
      AppendInt(v.get<int64_t>(), out);
      return;
    case Json::value_t::number_unsigned:
      AppendInt(v.get<uint64_t>(), out);
      return;
    case Json::value_t::number_float:
      AppendJsNumber(v.get<double>(), out);
      return;
    case Json::value_t::null:
    case Json::value_t::binary:
    case Json::value_t::discarded:
      out->append("null");
      return;
  }
}

std::shared_ptr<const SessionSerializer> JsonSessionSerializer() {
  static const auto* const kInstance =
      new std::shared_ptr<const SessionSerializer>(std::make_shared<JsonSerializer>());
  return *kInstance;
}

}  // namespace embedis
