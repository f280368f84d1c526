#include "lib/resp/value.h"

#include <cassert>
#include <charconv>
#include <cmath>
#include <cstring>

namespace embedis::resp {

std::string_view TypeName(Type type) {
  switch (type) {
    case Type::kSimpleString:
      return "simple string";
    case Type::kError:
      return "error";
    case Type::kInteger:
      return "integer";
    case Type::kBulkString:
      return "bulk string";
    case Type::kArray:
      return "array";
    case Type::kNull:
      return "null";
    case Type::kMap:
      return "map";
    case Type::kSet:
      return "set";
    case Type::kDouble:
      return "double";
    case Type::kBoolean:
      return "boolean";
    case Type::kBigNumber:
      return "big number";
    case Type::kVerbatim:
      return "verbatim string";
    case Type::kBlobError:
      return "blob error";
    case Type::kPush:
      return "push";
  }
  return "unknown";
}

Value::Value(const Value& other)
    : type_(other.type_),
      null_kind_(other.null_kind_),
      integer_(other.integer_),
      double_(other.double_),
      str_(other.str_),
      elements_(other.elements_) {
  std::memcpy(format_, other.format_, sizeof(format_));
  if (other.attributes_ != nullptr) {
    attributes_ = std::make_unique<std::vector<Value>>(*other.attributes_);
  }
}

Value& Value::operator=(const Value& other) {
  if (this != &other) {
    Value copy(other);
    *this = std::move(copy);
  }
  return *this;
}

Value Value::SimpleString(std::string s) {
  Value v;
  v.type_ = Type::kSimpleString;
  v.str_ = std::move(s);
  return v;
}

Value Value::Error(std::string message) {
  Value v;
  v.type_ = Type::kError;
  v.str_ = std::move(message);
  return v;
}

Value Value::Integer(int64_t i) {
  Value v;
  v.type_ = Type::kInteger;
  v.integer_ = i;
  return v;
}

Value Value::BulkString(std::string s) {
  Value v;
  v.type_ = Type::kBulkString;
  v.str_ = std::move(s);
  return v;
}

Value Value::Array(std::vector<Value> elements) {
  Value v;
  v.type_ = Type::kArray;
  v.elements_ = std::move(elements);
  return v;
}

Value Value::Null() { return Value(); }

Value Value::NullBulk() {
  Value v;
  v.null_kind_ = NullKind::kBulk;
  return v;
}

Value Value::NullArray() {
  Value v;
  v.null_kind_ = NullKind::kArray;
  return v;
}

Value Value::Map(std::vector<std::pair<Value, Value>> pairs) {
  Value v;
  v.type_ = Type::kMap;
  v.elements_.reserve(pairs.size() * 2);
  for (auto& [key, value] : pairs) {
    v.elements_.push_back(std::move(key));
    v.elements_.push_back(std::move(value));
  }
  return v;
}

Value Value::MapFlat(std::vector<Value> keys_and_values) {
  assert(keys_and_values.size() % 2 == 0);
  Value v;
  v.type_ = Type::kMap;
  v.elements_ = std::move(keys_and_values);
  return v;
}

Value Value::Set(std::vector<Value> elements) {
  Value v;
  v.type_ = Type::kSet;
  v.elements_ = std::move(elements);
  return v;
}

Value Value::Double(double d) {
  Value v;
  v.type_ = Type::kDouble;
  v.double_ = d;
  return v;
}

Value Value::Boolean(bool b) {
  Value v;
  v.type_ = Type::kBoolean;
  v.integer_ = b ? 1 : 0;
  return v;
}

Value Value::BigNumber(std::string digits) {
  Value v;
  v.type_ = Type::kBigNumber;
  v.str_ = std::move(digits);
  return v;
}

Value Value::Verbatim(std::string_view format, std::string text) {
  assert(format.size() == 3);
  Value v;
  v.type_ = Type::kVerbatim;
  std::memcpy(v.format_, format.data(), std::min<size_t>(format.size(), 3));
  v.str_ = std::move(text);
  return v;
}

Value Value::BlobError(std::string message) {
  Value v;
  v.type_ = Type::kBlobError;
  v.str_ = std::move(message);
  return v;
}

Value Value::Push(std::vector<Value> elements) {
  Value v;
  v.type_ = Type::kPush;
  v.elements_ = std::move(elements);
  return v;
}

bool Value::is_string_like() const {
  switch (type_) {
    case Type::kSimpleString:
    case Type::kError:
    case Type::kBulkString:
    case Type::kBigNumber:
    case Type::kVerbatim:
    case Type::kBlobError:
      return true;
    default:
      return false;
  }
}

void Value::set_attributes(std::vector<Value> keys_and_values) {
  assert(keys_and_values.size() % 2 == 0);
  attributes_ = std::make_unique<std::vector<Value>>(std::move(keys_and_values));
}

bool operator==(const Value& a, const Value& b) {
  if (a.type_ != b.type_) return false;
  if ((a.attributes_ == nullptr) != (b.attributes_ == nullptr)) return false;
  if (a.attributes_ != nullptr && *a.attributes_ != *b.attributes_) return false;
  switch (a.type_) {
    case Type::kNull:
      return a.null_kind_ == b.null_kind_;
    case Type::kInteger:
    case Type::kBoolean:
      return a.integer_ == b.integer_;
    case Type::kDouble:
      return a.double_ == b.double_ || (std::isnan(a.double_) && std::isnan(b.double_));
    case Type::kVerbatim:
      return std::memcmp(a.format_, b.format_, 3) == 0 && a.str_ == b.str_;
    case Type::kArray:
    case Type::kMap:
    case Type::kSet:
    case Type::kPush:
      return a.elements_ == b.elements_;
    default:
      return a.str_ == b.str_;
  }
}

namespace {

// Quotes like redis-cli (sdscatrepr): "a\"b\n\x01".
void AppendRepr(std::string* out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '\\':
        out->append("\\\\");
        break;
      case '"':
        out->append("\\\"");
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
      case '\a':
        out->append("\\a");
        break;
      case '\b':
        out->append("\\b");
        break;
      default:
        if (c >= 0x20 && c < 0x7f) {
          out->push_back(static_cast<char>(c));
        } else {
          out->append("\\x");
          out->push_back(kHex[c >> 4]);
          out->push_back(kHex[c & 15]);
        }
    }
  }
  out->push_back('"');
}

std::string FormatDouble(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), d);
  return std::string(buf, end);
}

// Appends `v` with its first line already prefixed by the caller; nested lines are indented by
// `indent` spaces.
void Render(const Value& v, size_t indent, std::string* out);

void RenderElements(const Value& v, size_t indent, std::string* out) {
  const std::vector<Value>& e = v.elements();
  size_t n = v.size();
  const char* marker = v.type() == Type::kMap ? "# " : v.type() == Type::kSet ? "~ " : ") ";
  size_t width = std::to_string(n).size();
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) out->append(indent, ' ');
    std::string index = std::to_string(i + 1);
    out->append(width - index.size(), ' ');
    out->append(index);
    out->append(marker);
    size_t child_indent = indent + width + 2;
    if (v.type() == Type::kMap) {
      std::string key;
      Render(e[2 * i], child_indent, &key);
      key.pop_back();  // trailing '\n'
      out->append(key);
      out->append(" => ");
      Render(e[2 * i + 1], child_indent + key.size() + 4, out);
    } else {
      Render(e[i], child_indent, out);
    }
  }
}

void Render(const Value& v, size_t indent, std::string* out) {
  if (const std::vector<Value>* attrs = v.attributes(); attrs != nullptr) {
    out->append("(attributes) ");
    Render(Value::MapFlat(*attrs), indent + 13, out);
    out->append(indent, ' ');
  }
  switch (v.type()) {
    case Type::kSimpleString:
      out->append(v.str());
      break;
    case Type::kError:
    case Type::kBlobError:
      out->append("(error) ");
      out->append(v.str());
      break;
    case Type::kInteger:
      out->append("(integer) ");
      out->append(std::to_string(v.integer()));
      break;
    case Type::kBulkString:
      AppendRepr(out, v.str());
      break;
    case Type::kNull:
      out->append("(nil)");
      break;
    case Type::kDouble:
      out->append("(double) ");
      out->append(FormatDouble(v.dbl()));
      break;
    case Type::kBoolean:
      out->append(v.boolean() ? "(true)" : "(false)");
      break;
    case Type::kBigNumber:
      out->append("(big number) ");
      out->append(v.str());
      break;
    case Type::kVerbatim:
      out->append("(verbatim ");
      out->append(v.verbatim_format());
      out->append(") ");
      AppendRepr(out, v.str());
      break;
    case Type::kArray:
    case Type::kMap:
    case Type::kSet:
    case Type::kPush:
      if (v.elements().empty()) {
        out->append(v.type() == Type::kMap   ? "(empty hash)"
                    : v.type() == Type::kSet ? "(empty set)"
                                             : "(empty array)");
        break;
      }
      if (v.type() == Type::kPush) {
        out->append("(push) ");
        indent += 7;
      }
      RenderElements(v, indent, out);
      return;  // every element already ended its line
  }
  out->push_back('\n');
}

}  // namespace

std::string Value::DebugString() const {
  std::string out;
  Render(*this, 0, &out);
  return out;
}

std::ostream& operator<<(std::ostream& os, const Value& v) { return os << v.DebugString(); }

void PrintTo(const Value& v, std::ostream* os) { *os << "\n" << v.DebugString(); }

}  // namespace embedis::resp
