#include "lib/resp/reply_parser.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace embedis::resp {

namespace {

constexpr size_t kKeepCapacity = 1024 * 1024;
constexpr int64_t kBigBulk = 32 * 1024;
constexpr size_t kBigBulkPrealloc = 1024 * 1024;
constexpr size_t kMaxReserve = 1024;

// `s`, escaped and shortened for an error message.
std::string Quote(std::string_view s) {
  constexpr size_t kMax = 32;
  std::string_view head = s.substr(0, kMax);
  std::string out =
      absl::StrCat("\"", absl::CEscape(absl::string_view(head.data(), head.size())), "\"");
  if (s.size() > kMax) out += "...";
  return out;
}

bool IsBigNumber(std::string_view s) {
  if (!s.empty() && s[0] == '-') s.remove_prefix(1);
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

ReplyParser::ReplyParser(ReplyParserOptions options) : options_(options) {}

ReplyParser::Step ReplyParser::Fail(absl::StatusCode code, std::string message) {
  status_ = absl::Status(code, message);
  return Step::kError;
}

absl::Span<char> ReplyParser::PrepareWrite(size_t min_bytes) {
  if (pos_ == buffer_.size()) {
    buffer_.Clear(kKeepCapacity);
    pos_ = scan_from_ = 0;
  } else if (pos_ > 0 && buffer_.size() + min_bytes > buffer_.capacity()) {
    buffer_.DiscardPrefix(pos_);
    scan_from_ = scan_from_ > pos_ ? scan_from_ - pos_ : 0;
    pos_ = 0;
  }
  char* room = buffer_.PrepareAppend(min_bytes);
  return absl::Span<char>(room, buffer_.capacity() - buffer_.size());
}

void ReplyParser::CommitWrite(size_t n) { buffer_.CommitAppend(n); }

void ReplyParser::Feed(std::string_view bytes) {
  if (bytes.empty()) return;
  absl::Span<char> room = PrepareWrite(bytes.size());
  std::memcpy(room.data(), bytes.data(), bytes.size());
  CommitWrite(bytes.size());
}

void ReplyParser::CompleteAttributes(std::vector<Value> keys_and_values) {
  bool* has = stack_.empty() ? &has_top_attributes_ : &stack_.back().has_attributes;
  std::vector<Value>* attrs = stack_.empty() ? &top_attributes_ : &stack_.back().attributes;
  *has = true;
  // Two attribute frames in a row describe the same value: merge them.
  for (Value& v : keys_and_values) attrs->push_back(std::move(v));
}

bool ReplyParser::Next(Value* out) {
  if (!status_.ok()) return false;
  for (;;) {
    if (pos_ >= buffer_.size()) return false;
    Value value;
    Step step = ParseOne(&value);
    if (step == Step::kNeedMore || step == Step::kError) return false;
    if (step == Step::kOpened) continue;
    // A value is complete: attach its attributes and hand it to its parent, completing parents.
    for (;;) {
      bool* has = stack_.empty() ? &has_top_attributes_ : &stack_.back().has_attributes;
      if (*has) {
        std::vector<Value>* attrs = stack_.empty() ? &top_attributes_ : &stack_.back().attributes;
        value.set_attributes(std::move(*attrs));
        attrs->clear();
        *has = false;
      }
      if (stack_.empty()) {
        *out = std::move(value);
        return true;
      }
      Frame& frame = stack_.back();
      frame.aggregate.mutable_elements().push_back(std::move(value));
      if (--frame.remaining > 0) break;
      Frame done = std::move(frame);
      stack_.pop_back();
      if (done.is_attribute) {
        CompleteAttributes(std::move(done.aggregate.mutable_elements()));
        break;
      }
      value = std::move(done.aggregate);
    }
  }
}

ReplyParser::Step ReplyParser::OpenAggregate(char type, int64_t count, size_t next_pos,
                                             Value* value) {
  if (stack_.size() >= options_.max_depth) {
    return Fail(absl::StatusCode::kResourceExhausted,
                absl::StrCat("Protocol error: aggregates nested deeper than ", options_.max_depth));
  }
  bool pairs = type == '%' || type == '|';
  if (pairs && count > std::numeric_limits<int64_t>::max() / 2) {
    return Fail(absl::StatusCode::kResourceExhausted, "Protocol error: aggregate too long");
  }
  pos_ = scan_from_ = next_pos;
  Value aggregate;
  switch (type) {
    case '*':
      aggregate = Value::Array({});
      break;
    case '%':
    case '|':
      aggregate = Value::MapFlat({});
      break;
    case '~':
      aggregate = Value::Set({});
      break;
    default:
      aggregate = Value::Push({});
      break;
  }
  if (count == 0) {
    if (type == '|') {
      CompleteAttributes({});
      return Step::kOpened;
    }
    *value = std::move(aggregate);
    return Step::kValue;
  }
  Frame frame;
  frame.remaining = pairs ? count * 2 : count;
  frame.is_attribute = type == '|';
  aggregate.mutable_elements().reserve(
      static_cast<size_t>(std::min<int64_t>(frame.remaining, kMaxReserve)));
  frame.aggregate = std::move(aggregate);
  stack_.push_back(std::move(frame));
  return Step::kOpened;
}

ReplyParser::Step ReplyParser::ParseOne(Value* value) {
  const char* data = buffer_.data();
  const size_t end = buffer_.size();
  const char type = data[pos_];
  switch (type) {
    case '+':
    case '-':
    case ':':
    case '$':
    case '*':
    case '_':
    case ',':
    case '#':
    case '(':
    case '=':
    case '!':
    case '%':
    case '~':
    case '>':
    case '|':
      break;
    default:
      return Fail(
          absl::StatusCode::kInvalidArgument,
          absl::StrCat("Protocol error: invalid type byte ", Quote(std::string_view(&type, 1))));
  }

  // The line after the type byte, up to CRLF.
  size_t from = std::max(scan_from_, pos_ + 1);
  const void* lf = from < end ? std::memchr(data + from, '\n', end - from) : nullptr;
  if (lf == nullptr) {
    // Too long once the byte after max_line_length bytes is here and is not the line's CR.
    const size_t pending = end - pos_ - 1;
    const size_t max = options_.max_line_length;
    if (pending > max + 1 || (pending == max + 1 && data[pos_ + 1 + max] != '\r')) {
      return Fail(absl::StatusCode::kResourceExhausted, "Protocol error: line too long");
    }
    scan_from_ = end;
    return Step::kNeedMore;
  }
  const size_t newline = static_cast<const char*>(lf) - data;
  scan_from_ = newline;
  if (newline < pos_ + 2 || data[newline - 1] != '\r') {
    return Fail(absl::StatusCode::kInvalidArgument, "Protocol error: line not terminated by CRLF");
  }
  const std::string_view line(data + pos_ + 1, newline - 1 - (pos_ + 1));
  if (line.size() > options_.max_line_length) {
    return Fail(absl::StatusCode::kResourceExhausted, "Protocol error: line too long");
  }
  const size_t next = newline + 1;
  auto done = [&](Value v) {
    *value = std::move(v);
    pos_ = scan_from_ = next;
    return Step::kValue;
  };

  switch (type) {
    case '+':
    case '-':
      if (line.find('\r') != std::string_view::npos) {
        return Fail(absl::StatusCode::kInvalidArgument,
                    type == '+' ? "Protocol error: CR inside a simple string"
                                : "Protocol error: CR inside an error");
      }
      return done(type == '+' ? Value::SimpleString(std::string(line))
                              : Value::Error(std::string(line)));
    case ':': {
      int64_t v = 0;
      if (!internal::ParseRespInt(line, &v)) {
        return Fail(absl::StatusCode::kInvalidArgument,
                    absl::StrCat("Protocol error: invalid integer ", Quote(line)));
      }
      return done(Value::Integer(v));
    }
    case '_':
      if (!line.empty()) {
        return Fail(absl::StatusCode::kInvalidArgument,
                    absl::StrCat("Protocol error: invalid null ", Quote(line)));
      }
      return done(Value::Null());
    case ',': {
      double v = 0;
      if (!internal::ParseRespDouble(line, &v)) {
        return Fail(absl::StatusCode::kInvalidArgument,
                    absl::StrCat("Protocol error: invalid double ", Quote(line)));
      }
      return done(Value::Double(v));
    }
    case '#':
      if (line != "t" && line != "f") {
        return Fail(absl::StatusCode::kInvalidArgument,
                    absl::StrCat("Protocol error: invalid boolean ", Quote(line)));
      }
      return done(Value::Boolean(line == "t"));
    case '(':
      if (!IsBigNumber(line)) {
        return Fail(absl::StatusCode::kInvalidArgument,
                    absl::StrCat("Protocol error: invalid big number ", Quote(line)));
      }
      return done(Value::BigNumber(std::string(line)));
    default:
      break;
  }

  if (line == "?") {
    return Fail(absl::StatusCode::kUnimplemented,
                "Protocol error: streamed strings and aggregates are not supported");
  }
  int64_t length = 0;
  const bool is_string = type == '$' || type == '=' || type == '!';
  if (!internal::ParseRedisInt(line, &length) || length < -1 ||
      (length == -1 && type != '$' && type != '*')) {
    return Fail(absl::StatusCode::kInvalidArgument,
                absl::StrCat("Protocol error: invalid ", is_string ? "bulk" : "aggregate",
                             " length ", Quote(line)));
  }
  if (length == -1) return done(type == '$' ? Value::NullBulk() : Value::NullArray());
  if (!is_string) {
    if (length > options_.max_aggregate_length) {
      return Fail(absl::StatusCode::kResourceExhausted,
                  absl::StrCat("Protocol error: aggregate length ", length,
                               " exceeds the limit of ", options_.max_aggregate_length));
    }
    return OpenAggregate(type, length, next, value);
  }
  if (length > options_.max_bulk_length) {
    return Fail(absl::StatusCode::kResourceExhausted,
                absl::StrCat("Protocol error: bulk length ", length, " exceeds the limit of ",
                             options_.max_bulk_length));
  }
  const size_t needed = static_cast<size_t>(length) + 2;
  if (end - next < needed) {
    if (length >= kBigBulk && buffer_.capacity() - pos_ < (next - pos_) + needed) {
      // Give a big bulk room now (capped), keeping just this value in the buffer.
      size_t header = next - pos_;
      buffer_.DiscardPrefix(pos_);
      pos_ = 0;
      scan_from_ = header - 1;  // the LF
      buffer_.Reserve(std::min(header + needed, buffer_.size() + kBigBulkPrealloc));
    }
    return Step::kNeedMore;
  }
  const char* payload = data + next;
  if (payload[length] != '\r' || payload[length + 1] != '\n') {
    return Fail(absl::StatusCode::kInvalidArgument,
                "Protocol error: bulk string not terminated by CRLF");
  }
  const std::string_view bytes(payload, static_cast<size_t>(length));
  Value v;
  if (type == '$') {
    v = Value::BulkString(std::string(bytes));
  } else if (type == '!') {
    v = Value::BlobError(std::string(bytes));
  } else {
    if (length < 4 || payload[3] != ':') {
      return Fail(absl::StatusCode::kInvalidArgument,
                  absl::StrCat("Protocol error: invalid verbatim string ", Quote(bytes)));
    }
    v = Value::Verbatim(bytes.substr(0, 3), std::string(bytes.substr(4)));
  }
  *value = std::move(v);
  pos_ = scan_from_ = next + needed;
  return Step::kValue;
}

}  // namespace embedis::resp
