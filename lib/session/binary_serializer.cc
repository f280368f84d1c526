// The binary session serializer: a cereal binary archive with LEB128 varints.
//
// Layout (all integers varints unless noted):
//   0xE5 0x01                          magic and format version
//   presence bits, boolean bits        which cookie fields are set, and their values
//   cookie fields that are set         originalMaxAge (zigzag), priority (string),
//                                      expires (zigzag ms since the epoch), domain,
//                                      path, sameSite (strings)
//   cookie_position
//   the data object as a value:        tag byte, then
//     0 null, 1 false, 2 true, 3 int (zigzag), 4 uint, 5 double (8 bytes,
//     little-endian), 6 string (length, bytes), 7 array (n, values),
//     8 object (n, then n times key string and value)
//
// Every length read is checked against the bytes left before anything is
// allocated, and nesting is limited, so garbage input fails cleanly.
#include <cstdint>
#include <cstring>
#include <istream>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "cereal/archives/binary.hpp"
#include "lib/session/serializer.h"
#include "lib/session/session.h"
#include "lib/util/memory_streambuf.h"
#include "lib/util/strings.h"

namespace embedis {
namespace {

using Json = nlohmann::ordered_json;

constexpr uint8_t kMagic = 0xE5;
constexpr uint8_t kVersion = 0x01;
constexpr int kMaxDepth = 512;

enum Tag : uint8_t {
  kNull = 0,
  kFalse = 1,
  kTrue = 2,
  kInt = 3,
  kUint = 4,
  kDouble = 5,
  kString = 6,
  kArray = 7,
  kObject = 8,
};

// Cookie field presence bits (and value bits for the booleans).
enum : uint32_t {
  kHasOriginalMaxAge = 1 << 0,
  kHasPartitioned = 1 << 1,
  kHasPriority = 1 << 2,
  kHasExpires = 1 << 3,
  kHasSecure = 1 << 4,
  kHasHttpOnly = 1 << 5,
  kHasDomain = 1 << 6,
  kHasPath = 1 << 7,
  kHasSameSite = 1 << 8,
};
enum : uint32_t { kPartitioned = 1 << 0, kSecure = 1 << 1, kHttpOnly = 1 << 2 };

class Writer {
 public:
  explicit Writer(std::string* out) : sink_(out), os_(&sink_), ar_(os_) {}

  void Byte(uint8_t b) { ar_(b); }
  void Varint(uint64_t v) {
    uint8_t buf[10];
    size_t n = 0;
    do {
      uint8_t b = v & 0x7F;
      v >>= 7;
      if (v != 0) b |= 0x80;
      buf[n++] = b;
    } while (v != 0);
    ar_(cereal::binary_data(buf, n));
  }
  void Zigzag(int64_t v) {
    Varint((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
  }
  void String(std::string_view s) {
    Varint(s.size());
    ar_(cereal::binary_data(s.data(), s.size()));
  }
  void Double(double d) {
    uint64_t bits;
    std::memcpy(&bits, &d, sizeof bits);
    uint8_t le[8];
    for (int i = 0; i < 8; ++i) le[i] = static_cast<uint8_t>(bits >> (8 * i));
    ar_(cereal::binary_data(le, sizeof le));
  }
  void Value(const Json& v) {
    switch (v.type()) {
      case Json::value_t::object: {
        const auto& obj = v.get_ref<const Json::object_t&>();
        Byte(kObject);
        Varint(obj.size());
        for (const auto& [key, item] : obj) {
          String(key);
          Value(item);
        }
        return;
      }
      case Json::value_t::array: {
        const auto& arr = v.get_ref<const Json::array_t&>();
        Byte(kArray);
        Varint(arr.size());
        for (const auto& item : arr) Value(item);
        return;
      }
      case Json::value_t::string:
        Byte(kString);
        String(v.get_ref<const std::string&>());
        return;
      case Json::value_t::boolean:
        Byte(v.get<bool>() ? kTrue : kFalse);
        return;
      case Json::value_t::number_integer:
        Byte(kInt);
        Zigzag(v.get<int64_t>());
        return;
      case Json::value_t::number_unsigned:
        Byte(kUint);
        Varint(v.get<uint64_t>());
        return;
      case Json::value_t::number_float:
        Byte(kDouble);
        Double(v.get<double>());
        return;
      default:
        Byte(kNull);
        return;
    }
  }

 private:
  StringSink sink_;
  std::ostream os_;
  cereal::BinaryOutputArchive ar_;
};

// Reads with cereal; any short read throws cereal::Exception, caught by Parse.
class Reader {
 public:
  explicit Reader(std::string_view data) : source_(data), is_(&source_), ar_(is_) {}

  size_t remaining() const { return source_.remaining(); }

  absl::StatusOr<uint8_t> Byte() {
    if (remaining() < 1) return Truncated();
    uint8_t b;
    ar_(b);
    return b;
  }
  absl::StatusOr<uint64_t> Varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (remaining() < 1) return Truncated();
      uint8_t b;
      ar_(b);
      v |= static_cast<uint64_t>(b & 0x7F) << shift;
      if ((b & 0x80) == 0) return v;
    }
    return absl::InvalidArgumentError("binary session: varint too long");
  }
  absl::StatusOr<int64_t> Zigzag() {
    auto v = Varint();
    if (!v.ok()) return v.status();
    return static_cast<int64_t>((*v >> 1) ^ (~(*v & 1) + 1));
  }
  absl::StatusOr<std::string> String() {
    auto n = Varint();
    if (!n.ok()) return n.status();
    if (*n > remaining()) return Truncated();
    std::string s(static_cast<size_t>(*n), '\0');
    ar_(cereal::binary_data(s.data(), s.size()));
    return s;
  }
  absl::StatusOr<double> Double() {
    if (remaining() < 8) return Truncated();
    uint8_t le[8];
    ar_(cereal::binary_data(le, sizeof le));
    uint64_t bits = 0;
    for (int i = 0; i < 8; ++i) bits |= static_cast<uint64_t>(le[i]) << (8 * i);
    double d;
    std::memcpy(&d, &bits, sizeof d);
    return d;
  }
  absl::Status Value(Json* out, int depth) {
    if (depth > kMaxDepth) return absl::InvalidArgumentError("binary session: nested too deeply");
    auto tag = Byte();
    if (!tag.ok()) return tag.status();
    switch (*tag) {
      case kNull:
        *out = nullptr;
        return absl::OkStatus();
      case kFalse:
      case kTrue:
        *out = *tag == kTrue;
        return absl::OkStatus();
      case kInt: {
        auto v = Zigzag();
        if (!v.ok()) return v.status();
        *out = *v;
        return absl::OkStatus();
      }
      case kUint: {
        auto v = Varint();
        if (!v.ok()) return v.status();
        *out = *v;
        return absl::OkStatus();
      }
      case kDouble: {
        auto v = Double();
        if (!v.ok()) return v.status();
        *out = *v;
        return absl::OkStatus();
      }
      case kString: {
        auto v = String();
        if (!v.ok()) return v.status();
        *out = std::move(*v);
        return absl::OkStatus();
      }
      case kArray: {
        auto n = Varint();
        if (!n.ok()) return n.status();
        if (*n > remaining()) return Truncated();  // every element takes a byte
        *out = Json::array();
        auto& arr = out->get_ref<Json::array_t&>();
        arr.reserve(static_cast<size_t>(*n));
        for (uint64_t i = 0; i < *n; ++i) {
          arr.emplace_back();
          if (absl::Status s = Value(&arr.back(), depth + 1); !s.ok()) return s;
        }
        return absl::OkStatus();
      }
      case kObject: {
        auto n = Varint();
        if (!n.ok()) return n.status();
        if (*n > remaining() / 2) return Truncated();  // a key and a value each
        *out = Json::object();
        auto& obj = out->get_ref<Json::object_t&>();
        obj.reserve(static_cast<size_t>(*n));
        for (uint64_t i = 0; i < *n; ++i) {
          auto key = String();
          if (!key.ok()) return key.status();
          Json item;
          if (absl::Status s = Value(&item, depth + 1); !s.ok()) return s;
          obj[std::move(*key)] = std::move(item);
        }
        return absl::OkStatus();
      }
      default:
        return absl::InvalidArgumentError("binary session: unknown value tag");
    }
  }

 private:
  static absl::Status Truncated() {
    return absl::InvalidArgumentError("binary session: truncated");
  }

  MemorySource source_;
  std::istream is_;
  cereal::BinaryInputArchive ar_;
};

#define EMBEDIS_BIN_ASSIGN(lhs, expr)         \
  do {                                        \
    auto bin_v_ = (expr);                     \
    if (!bin_v_.ok()) return bin_v_.status(); \
    lhs = *std::move(bin_v_);                 \
  } while (0)

class BinarySerializer final : public SessionSerializer {
 public:
  std::string Stringify(const Session& s) const override {
    std::string out;
    out.reserve(128);
    Writer w(&out);
    const SessionCookie& c = s.cookie;
    uint32_t has = 0, bits = 0;
    if (c.original_max_age) has |= kHasOriginalMaxAge;
    if (c.partitioned) has |= kHasPartitioned, bits |= *c.partitioned ? uint32_t{kPartitioned} : 0;
    if (c.priority) has |= kHasPriority;
    if (c.expires) has |= kHasExpires;
    if (c.secure) has |= kHasSecure, bits |= *c.secure ? uint32_t{kSecure} : 0;
    if (c.http_only) has |= kHasHttpOnly, bits |= *c.http_only ? uint32_t{kHttpOnly} : 0;
    if (c.domain) has |= kHasDomain;
    if (c.path) has |= kHasPath;
    if (c.same_site) has |= kHasSameSite;
    w.Byte(kMagic);
    w.Byte(kVersion);
    w.Varint(has);
    w.Varint(bits);
    if (c.original_max_age) w.Zigzag(*c.original_max_age);
    if (c.priority) w.String(*c.priority);
    if (c.expires) w.Zigzag(absl::ToUnixMillis(*c.expires));
    if (c.domain) w.String(*c.domain);
    if (c.path) w.String(*c.path);
    if (c.same_site) w.String(*c.same_site);
    w.Varint(s.cookie_position);
    if (s.data.is_object()) {
      w.Value(s.data);
    } else {
      w.Value(Json::object());
    }
    return out;
  }

  absl::StatusOr<Session> Parse(std::string_view data) const override {
    if (data.size() < 2 || static_cast<uint8_t>(data[0]) != kMagic ||
        static_cast<uint8_t>(data[1]) != kVersion) {
      return absl::InvalidArgumentError("not a binary session (bad magic or version)");
    }
    try {
      return ParseBody(data.substr(2));
    } catch (const std::exception& e) {  // cereal::Exception on a short read
      return absl::InvalidArgumentError(ToAbsl(std::string("binary session: ") + e.what()));
    }
  }

 private:
  static absl::StatusOr<Session> ParseBody(std::string_view data) {
    Reader r(data);
    Session s;
    SessionCookie& c = s.cookie;
    uint64_t has, bits;
    EMBEDIS_BIN_ASSIGN(has, r.Varint());
    EMBEDIS_BIN_ASSIGN(bits, r.Varint());
    c.http_only.reset();
    c.path.reset();
    if (has & kHasOriginalMaxAge) EMBEDIS_BIN_ASSIGN(c.original_max_age, r.Zigzag());
    if (has & kHasPartitioned) c.partitioned = (bits & kPartitioned) != 0;
    if (has & kHasPriority) EMBEDIS_BIN_ASSIGN(c.priority, r.String());
    if (has & kHasExpires) {
      int64_t ms;
      EMBEDIS_BIN_ASSIGN(ms, r.Zigzag());
      c.expires = absl::FromUnixMillis(ms);
    }
    if (has & kHasSecure) c.secure = (bits & kSecure) != 0;
    if (has & kHasHttpOnly) c.http_only = (bits & kHttpOnly) != 0;
    if (has & kHasDomain) EMBEDIS_BIN_ASSIGN(c.domain, r.String());
    if (has & kHasPath) EMBEDIS_BIN_ASSIGN(c.path, r.String());
    if (has & kHasSameSite) EMBEDIS_BIN_ASSIGN(c.same_site, r.String());
    uint64_t position;
    EMBEDIS_BIN_ASSIGN(position, r.Varint());
    s.cookie_position = static_cast<size_t>(position);
    if (absl::Status st = r.Value(&s.data, 0); !st.ok()) return st;
    if (!s.data.is_object())
      return absl::InvalidArgumentError("binary session: data not an object");
    if (r.remaining() != 0) return absl::InvalidArgumentError("binary session: trailing bytes");
    return s;
  }
};

#undef EMBEDIS_BIN_ASSIGN

}  // namespace

std::shared_ptr<const SessionSerializer> BinarySessionSerializer() {
  static const auto* const kInstance =
      new std::shared_ptr<const SessionSerializer>(std::make_shared<BinarySerializer>());
  return *kInstance;
}

}  // namespace embedis
