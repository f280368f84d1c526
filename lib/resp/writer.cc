#include "lib/resp/writer.h"

#include <cassert>
#include <charconv>
#include <cmath>
#include <cstring>

namespace embedis::resp {

size_t FormatInt64(int64_t v, char* buf) {
  // libstdc++'s to_chars converts two digits per step from a table; no locale, no allocation.
  return static_cast<size_t>(std::to_chars(buf, buf + 20, v).ptr - buf);
}

size_t FormatDouble(double v, char* buf) {
  if (std::isnan(v)) {
    std::memcpy(buf, "nan", 3);
    return 3;
  }
  if (std::isinf(v)) {
    if (v > 0) {
      std::memcpy(buf, "inf", 3);
      return 3;
    }
    std::memcpy(buf, "-inf", 4);
    return 4;
  }
  return static_cast<size_t>(std::to_chars(buf, buf + 32, v).ptr - buf);
}

namespace {

// Appends `<type><n>\r\n` in one append.
inline void AppendHeader(std::string* out, char type, int64_t n) {
  char buf[24];
  buf[0] = type;
  size_t len = 1 + FormatInt64(n, buf + 1);
  buf[len++] = '\r';
  buf[len++] = '\n';
  out->append(buf, len);
}

inline void AppendBulk(std::string* out, std::string_view s) {
  AppendHeader(out, '$', static_cast<int64_t>(s.size()));
  out->append(s.data(), s.size());
  out->append("\r\n", 2);
}

}  // namespace

void AppendCommand(std::string* out, absl::Span<const std::string_view> argv) {
  size_t total = 16;
  for (std::string_view a : argv) total += a.size() + 16;
  out->reserve(out->size() + total);
  AppendHeader(out, '*', static_cast<int64_t>(argv.size()));
  for (std::string_view a : argv) AppendBulk(out, a);
}

void AppendCommand(std::string* out, std::initializer_list<std::string_view> argv) {
  AppendCommand(out, absl::Span<const std::string_view>(argv.begin(), argv.size()));
}

void Writer::Header(char type, int64_t n) { AppendHeader(out_, type, n); }

void Writer::LineWithoutCrLf(char type, std::string_view s) {
  size_t start = out_->size();
  out_->reserve(start + s.size() + 3);
  out_->push_back(type);
  out_->append(s.data(), s.size());
  if (std::memchr(s.data(), '\r', s.size()) != nullptr ||
      std::memchr(s.data(), '\n', s.size()) != nullptr) {
    for (size_t i = start + 1; i < out_->size(); ++i) {
      char& c = (*out_)[i];
      if (c == '\r' || c == '\n') c = ' ';
    }
  }
  out_->append("\r\n", 2);
}

void Writer::SimpleString(std::string_view s) { LineWithoutCrLf('+', s); }

void Writer::Error(std::string_view message) { LineWithoutCrLf('-', message); }

void Writer::Integer(int64_t v) { Header(':', v); }

void Writer::BulkString(std::string_view s) { AppendBulk(out_, s); }

void Writer::Null() {
  if (protocol_ == Protocol::kResp3) {
    out_->append("_\r\n", 3);
  } else {
    out_->append("$-1\r\n", 5);
  }
}

void Writer::NullArray() {
  if (protocol_ == Protocol::kResp3) {
    out_->append("_\r\n", 3);
  } else {
    out_->append("*-1\r\n", 5);
  }
}

void Writer::ArrayHeader(size_t n) { Header('*', static_cast<int64_t>(n)); }

void Writer::MapHeader(size_t n) {
  if (protocol_ == Protocol::kResp3) {
    Header('%', static_cast<int64_t>(n));
  } else {
    Header('*', static_cast<int64_t>(2 * n));
  }
}

void Writer::SetHeader(size_t n) {
  Header(protocol_ == Protocol::kResp3 ? '~' : '*', static_cast<int64_t>(n));
}

void Writer::PushHeader(size_t n) {
  Header(protocol_ == Protocol::kResp3 ? '>' : '*', static_cast<int64_t>(n));
}

void Writer::AttributeHeader(size_t n) {
  if (protocol_ == Protocol::kResp3) Header('|', static_cast<int64_t>(n));
}

void Writer::Double(double v) {
  char buf[40];
  if (protocol_ == Protocol::kResp3) {
    buf[0] = ',';
    size_t len = 1 + FormatDouble(v, buf + 1);
    buf[len++] = '\r';
    buf[len++] = '\n';
    out_->append(buf, len);
  } else {
    size_t len = FormatDouble(v, buf);
    AppendBulk(out_, std::string_view(buf, len));
  }
}

void Writer::DoubleText(std::string_view text) {
  if (protocol_ == Protocol::kResp3) {
    LineWithoutCrLf(',', text);
  } else {
    AppendBulk(out_, text);
  }
}

void Writer::Boolean(bool v) {
  if (protocol_ == Protocol::kResp3) {
    out_->append(v ? "#t\r\n" : "#f\r\n", 4);
  } else {
    out_->append(v ? ":1\r\n" : ":0\r\n", 4);
  }
}

void Writer::BigNumber(std::string_view digits) {
  if (protocol_ == Protocol::kResp3) {
    out_->push_back('(');
    out_->append(digits.data(), digits.size());
    out_->append("\r\n", 2);
  } else {
    AppendBulk(out_, digits);
  }
}

void Writer::Verbatim(std::string_view format, std::string_view text) {
  assert(format.size() == 3);
  if (protocol_ == Protocol::kResp3) {
    Header('=', static_cast<int64_t>(text.size() + 4));
    out_->append(format.data(), 3);
    out_->push_back(':');
    out_->append(text.data(), text.size());
    out_->append("\r\n", 2);
  } else {
    AppendBulk(out_, text);
  }
}

void Writer::BlobError(std::string_view message) {
  if (protocol_ == Protocol::kResp3) {
    Header('!', static_cast<int64_t>(message.size()));
    out_->append(message.data(), message.size());
    out_->append("\r\n", 2);
  } else {
    Error(message);
  }
}

void Writer::Write(const Value& v) {
  const bool resp3 = protocol_ == Protocol::kResp3;
  if (resp3 && v.attributes() != nullptr) {
    const std::vector<Value>& attrs = *v.attributes();
    Header('|', static_cast<int64_t>(attrs.size() / 2));
    for (const Value& a : attrs) Write(a);
  }
  switch (v.type()) {
    case Type::kSimpleString:
      SimpleString(v.str());
      return;
    case Type::kError:
      Error(v.str());
      return;
    case Type::kInteger:
      Integer(v.integer());
      return;
    case Type::kBulkString:
      BulkString(v.str());
      return;
    case Type::kNull:
      if (v.null_kind() == NullKind::kBulk || (!resp3 && v.null_kind() == NullKind::kResp3)) {
        out_->append("$-1\r\n", 5);
      } else if (v.null_kind() == NullKind::kArray) {
        out_->append("*-1\r\n", 5);
      } else {
        out_->append("_\r\n", 3);
      }
      return;
    case Type::kDouble:
      Double(v.dbl());
      return;
    case Type::kBoolean:
      Boolean(v.boolean());
      return;
    case Type::kBigNumber:
      BigNumber(v.str());
      return;
    case Type::kVerbatim:
      Verbatim(v.verbatim_format(), v.str());
      return;
    case Type::kBlobError:
      BlobError(v.str());
      return;
    case Type::kArray:
      ArrayHeader(v.elements().size());
      break;
    case Type::kMap:
      MapHeader(v.size());
      break;
    case Type::kSet:
      SetHeader(v.elements().size());
      break;
    case Type::kPush:
      PushHeader(v.elements().size());
      break;
  }
  for (const Value& e : v.elements()) Write(e);
}

std::string ToResp(const Value& v, Protocol protocol) {
  std::string out;
  Writer w(&out, protocol);
  w.Write(v);
  return out;
}

}  // namespace embedis::resp
