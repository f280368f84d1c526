// resp::Value: one RESP2 or RESP3 value (a reply, or anything else on the wire).
//
// A Value is a small tree: scalars (simple string, error, integer, bulk string, null, double,
// boolean, big number, verbatim string, blob error) and aggregates (array, map, set, push). RESP3
// attributes (`|` frames) are not values of their own: the parser attaches them to the value that
// follows them on the wire, and the writer emits them before it.
//
// Values are built with the static factories and compared with ==, which is structural (a NaN
// double equals a NaN double, so parsed values compare equal to themselves; the three kinds of null
// differ). DebugString() prints a value the way redis-cli does, which makes test failures readable.
//
//   Value v = Value::Array({Value::BulkString("a"), Value::Integer(1), Value::NullBulk()});
//   v.DebugString();   // "1) \"a\"\n2) (integer) 1\n3) (nil)\n"
//   v.elements()[1].integer();   // 1
//
//   Value m = Value::Map({{Value::SimpleString("k"), Value::Double(1.5)}});
//   m.size();          // 1 (pairs); m.elements() holds k, v, k, v, ... flattened
//
// Thread safety: a Value is a plain value type; const methods may be called concurrently.
#ifndef EMBEDIS_LIB_RESP_VALUE_H_
#define EMBEDIS_LIB_RESP_VALUE_H_

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace embedis::resp {

enum class Type : uint8_t {
  kSimpleString,  // +OK
  kError,         // -ERR message
  kInteger,       // :42
  kBulkString,    // $3 foo
  kArray,         // *2 ...
  kNull,          // $-1, *-1 (RESP2) or _ (RESP3); see NullKind
  kMap,           // %1 key value (RESP3)
  kSet,           // ~2 ... (RESP3)
  kDouble,        // ,1.5 (RESP3)
  kBoolean,       // #t (RESP3)
  kBigNumber,     // (1234567890123456789012 (RESP3)
  kVerbatim,      // =15 txt:Some string (RESP3)
  kBlobError,     // !21 SYNTAX invalid syntax (RESP3)
  kPush,          // >3 message channel payload (RESP3)
};

// Which wire form a null came from (and is written as, in RESP3 exact mode).
enum class NullKind : uint8_t {
  kResp3,  // _\r\n
  kBulk,   // $-1\r\n (RESP2 null bulk string)
  kArray,  // *-1\r\n (RESP2 null array)
};

// Name of a type, for messages: "simple string", "map", ...
std::string_view TypeName(Type type);

class Value {
 public:
  // A RESP3 null (`_`).
  Value() = default;

  Value(const Value& other);
  Value& operator=(const Value& other);
  Value(Value&&) noexcept = default;
  Value& operator=(Value&&) noexcept = default;
  ~Value() = default;

  static Value SimpleString(std::string s);
  static Value Error(std::string message);  // message without the leading '-': "ERR syntax error"
  static Value Integer(int64_t v);
  static Value BulkString(std::string s);
  static Value Array(std::vector<Value> elements);
  static Value Null();       // RESP3 null
  static Value NullBulk();   // RESP2 $-1
  static Value NullArray();  // RESP2 *-1
  static Value Map(std::vector<std::pair<Value, Value>> pairs);
  static Value MapFlat(std::vector<Value> keys_and_values);  // REQUIRES: even size
  static Value Set(std::vector<Value> elements);
  static Value Double(double v);
  static Value Boolean(bool v);
  static Value BigNumber(std::string digits);  // e.g. "-12345678901234567890"
  // `format` is exactly 3 bytes ("txt", "mkd"); REQUIRES: format.size() == 3.
  static Value Verbatim(std::string_view format, std::string text);
  static Value BlobError(std::string message);
  static Value Push(std::vector<Value> elements);

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::kNull; }
  bool is_error() const { return type_ == Type::kError || type_ == Type::kBlobError; }
  bool is_aggregate() const {
    return type_ == Type::kArray || type_ == Type::kMap || type_ == Type::kSet ||
           type_ == Type::kPush;
  }
  // True for types whose payload is str(): simple string, error, bulk string, big number,
  // verbatim, blob error.
  bool is_string_like() const;

  // REQUIRES: is_null().
  NullKind null_kind() const { return null_kind_; }
  // The payload of string-like types (the text of a verbatim string, without its format).
  const std::string& str() const { return str_; }
  std::string& mutable_str() { return str_; }
  // Integer value; for booleans 0 or 1.
  int64_t integer() const { return integer_; }
  bool boolean() const { return integer_ != 0; }
  double dbl() const { return double_; }
  // The 3-byte format of a verbatim string ("txt").
  std::string_view verbatim_format() const { return std::string_view(format_, 3); }

  // Elements of an aggregate; a map's keys and values alternate (k0, v0, k1, v1, ...).
  const std::vector<Value>& elements() const { return elements_; }
  std::vector<Value>& mutable_elements() { return elements_; }
  // Number of elements, or of pairs for a map.
  size_t size() const { return type_ == Type::kMap ? elements_.size() / 2 : elements_.size(); }

  // RESP3 attributes attached to this value (keys and values alternating), or nullptr.
  const std::vector<Value>* attributes() const { return attributes_.get(); }
  void set_attributes(std::vector<Value> keys_and_values);  // REQUIRES: even size
  void clear_attributes() { attributes_.reset(); }

  // Structural equality, including attributes and null kinds; NaN equals NaN.
  friend bool operator==(const Value& a, const Value& b);
  friend bool operator!=(const Value& a, const Value& b) { return !(a == b); }

  // Multi-line rendering in redis-cli's style (ends with '\n').
  std::string DebugString() const;

 private:
  Type type_ = Type::kNull;
  NullKind null_kind_ = NullKind::kResp3;
  char format_[3] = {0, 0, 0};
  int64_t integer_ = 0;
  double double_ = 0;
  std::string str_;
  std::vector<Value> elements_;
  std::unique_ptr<std::vector<Value>> attributes_;
};

std::ostream& operator<<(std::ostream& os, const Value& v);
// For GoogleTest.
void PrintTo(const Value& v, std::ostream* os);

}  // namespace embedis::resp

#endif  // EMBEDIS_LIB_RESP_VALUE_H_
