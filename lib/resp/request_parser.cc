#include "lib/resp/request_parser.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace embedis::resp {

namespace {

// redis-server's PROTO_MBULK_BIG_ARG: bulks at least this large get their own room up front.
constexpr int64_t kBigBulk = 32 * 1024;
// An empty buffer keeps up to this much memory for the next request.
constexpr size_t kKeepCapacity = 1024 * 1024;
// Redis's unauthenticated limits.
constexpr int64_t kUnauthenticatedMaxArgs = 10;
constexpr int64_t kUnauthenticatedMaxBulk = 16384;

constexpr size_t kNotFound = static_cast<size_t>(-1);

// isspace() in the C locale, which is what redis-server's sdssplitargs uses between arguments
// and after a closing quote.
inline bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

inline int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

RequestParser::RequestParser(RequestParserOptions options) : options_(options) {}

RequestParser::Step RequestParser::Fail(absl::StatusCode code, std::string_view message) {
  // Debian's Abseil has its own string_view type.
  status_ = absl::Status(code, absl::string_view(message.data(), message.size()));
  return Step::kError;
}

void RequestParser::MakeRoom(size_t n) {
  if (command_start_ == buffer_.size()) {
    // Everything received has been returned: start over at the front.
    buffer_.Clear(kKeepCapacity);
    pos_ = command_start_ = scan_from_ = 0;
  } else if (command_start_ > 0 && buffer_.size() + n > buffer_.capacity()) {
    // Drop returned commands before growing.
    size_t shift = command_start_;
    buffer_.DiscardPrefix(shift);
    pos_ -= shift;
    scan_from_ = scan_from_ > shift ? scan_from_ - shift : 0;
    command_start_ = 0;
  }
}

absl::Span<char> RequestParser::PrepareWrite(size_t min_bytes) {
  if (big_bulk_pending_) {
    big_bulk_pending_ = false;
    if (in_multibulk_ && bulk_length_ >= kBigBulk) PrepareBigBulk();
  }
  MakeRoom(min_bytes);
  size_t soft_limit = 0;
  if (in_multibulk_ && bulk_length_ >= kBigBulk) {
    // Grow towards the end of the pending big bulk, not past it.
    soft_limit = pos_ + static_cast<size_t>(bulk_length_) + 2;
  }
  char* room = buffer_.PrepareAppend(min_bytes, soft_limit);
  return absl::Span<char>(room, buffer_.capacity() - buffer_.size());
}

void RequestParser::CommitWrite(size_t n) { buffer_.CommitAppend(n); }

void RequestParser::Feed(std::string_view bytes) {
  if (bytes.empty()) return;
  absl::Span<char> room = PrepareWrite(bytes.size());
  std::memcpy(room.data(), bytes.data(), bytes.size());
  CommitWrite(bytes.size());
}

void RequestParser::Advance(size_t new_pos) {
  pos_ = new_pos;
  scan_from_ = new_pos;
  line_blocked_ = false;
}

// redis-server looks for line ends with strchr() on its NUL-terminated query buffer, so a NUL byte
// before the terminator hides it: the line then never completes (until it is too long). Same here.
size_t RequestParser::FindTerminator(char terminator) {
  if (line_blocked_) return kNotFound;
  const char* data = buffer_.data();
  size_t end = buffer_.size();
  size_t from = std::max(scan_from_, pos_);
  if (from >= end) return kNotFound;
  const void* hit = std::memchr(data + from, terminator, end - from);
  size_t limit = hit != nullptr ? static_cast<const char*>(hit) - data : end;
  if (std::memchr(data + from, '\0', limit - from) != nullptr) {
    line_blocked_ = true;
    return kNotFound;
  }
  scan_from_ = limit;
  return hit != nullptr ? limit : kNotFound;
}

bool RequestParser::Next(std::vector<std::string_view>* argv) {
  argv->clear();
  if (!status_.ok()) return false;
  for (;;) {
    if (!in_multibulk_) {
      if (pos_ >= buffer_.size()) return false;
      if (buffer_.data()[pos_] != '*') {
        Step step = ParseInline(argv);
        if (step == Step::kEmpty) continue;
        return step == Step::kDone;
      }
      Step step = ParseMultibulkCount();
      if (step == Step::kEmpty) continue;
      if (step != Step::kDone) return false;
    }
    if (ParseBulks() != Step::kDone) return false;
    const char* base = buffer_.data() + command_start_;
    argv->reserve(args_.size());
    for (const Arg& a : args_) argv->emplace_back(base + a.offset, a.length);
    in_multibulk_ = false;
    command_start_ = pos_;
    return true;
  }
}

RequestParser::Step RequestParser::ParseInline(std::vector<std::string_view>* argv) {
  size_t newline = FindTerminator('\n');
  if (newline == kNotFound) {
    if (buffer_.size() - pos_ > options_.max_inline_length) {
      return Fail(absl::StatusCode::kResourceExhausted, "Protocol error: too big inline request");
    }
    return Step::kNeedMore;
  }
  size_t line_end = newline;
  if (line_end > pos_ && buffer_.data()[line_end - 1] == '\r') --line_end;
  size_t line_start = pos_;
  if (!SplitInline(line_start, line_end)) {
    return Fail(absl::StatusCode::kInvalidArgument, "Protocol error: unbalanced quotes in request");
  }
  Advance(newline + 1);
  command_start_ = pos_;
  if (args_.empty()) return Step::kEmpty;
  const char* base = buffer_.data() + line_start;
  argv->reserve(args_.size());
  for (const Arg& a : args_) argv->emplace_back(base + a.offset, a.length);
  return Step::kDone;
}

// Splits [begin, end) into arguments the way redis-server's sdssplitargs does, unescaping in place
// (an argument never gets longer than its source). Fills args_ with offsets from `begin`.
bool RequestParser::SplitInline(size_t begin, size_t end) {
  args_.clear();
  char* d = buffer_.data();
  size_t i = begin;
  for (;;) {
    while (i < end && IsSpace(d[i])) ++i;
    if (i >= end) return true;
    size_t start = i;
    size_t w = i;  // write position, never ahead of i
    bool in_double = false;
    bool in_single = false;
    for (bool done = false; !done;) {
      if (in_double) {
        if (i >= end) return false;  // unterminated "
        char c = d[i];
        if (c == '\\' && i + 3 < end && d[i + 1] == 'x' && HexValue(d[i + 2]) >= 0 &&
            HexValue(d[i + 3]) >= 0) {
          d[w++] = static_cast<char>(HexValue(d[i + 2]) * 16 + HexValue(d[i + 3]));
          i += 4;
        } else if (c == '\\' && i + 1 < end) {
          char e = d[i + 1];
          switch (e) {
            case 'n':
              e = '\n';
              break;
            case 'r':
              e = '\r';
              break;
            case 't':
              e = '\t';
              break;
            case 'b':
              e = '\b';
              break;
            case 'a':
              e = '\a';
              break;
            default:
              break;
          }
          d[w++] = e;
          i += 2;
        } else if (c == '"') {
          if (i + 1 < end && !IsSpace(d[i + 1])) return false;
          ++i;
          done = true;
        } else {
          d[w++] = c;
          ++i;
        }
      } else if (in_single) {
        if (i >= end) return false;  // unterminated '
        char c = d[i];
        if (c == '\\' && i + 1 < end && d[i + 1] == '\'') {
          d[w++] = '\'';
          i += 2;
        } else if (c == '\'') {
          if (i + 1 < end && !IsSpace(d[i + 1])) return false;
          ++i;
          done = true;
        } else {
          d[w++] = c;
          ++i;
        }
      } else {
        if (i >= end) break;
        char c = d[i];
        switch (c) {
          case ' ':
          case '\n':
          case '\r':
          case '\t':
            ++i;
            done = true;
            break;
          case '"':
            in_double = true;
            ++i;
            break;
          case '\'':
            in_single = true;
            ++i;
            break;
          default:
            d[w++] = c;
            ++i;
        }
      }
    }
    args_.push_back({start - begin, w - start});
  }
}

RequestParser::Step RequestParser::ParseMultibulkCount() {
  size_t cr = FindTerminator('\r');
  if (cr == kNotFound) {
    if (buffer_.size() - pos_ > options_.max_inline_length) {
      return Fail(absl::StatusCode::kResourceExhausted,
                  "Protocol error: too big mbulk count string");
    }
    return Step::kNeedMore;
  }
  // Like redis-server, wait for the byte after '\r' but do not look at it.
  if (cr + 2 > buffer_.size()) return Step::kNeedMore;
  int64_t count = 0;
  if (!internal::ParseRedisInt(std::string_view(buffer_.data() + pos_ + 1, cr - pos_ - 1),
                               &count) ||
      count > options_.max_multibulk_length) {
    return Fail(absl::StatusCode::kInvalidArgument, "Protocol error: invalid multibulk length");
  }
  if (count > kUnauthenticatedMaxArgs && !authenticated_) {
    return Fail(absl::StatusCode::kInvalidArgument,
                "Protocol error: unauthenticated multibulk length");
  }
  Advance(cr + 2);
  if (count <= 0) {
    command_start_ = pos_;
    return Step::kEmpty;
  }
  remaining_args_ = count;
  bulk_length_ = -1;
  args_.clear();
  args_.reserve(static_cast<size_t>(std::min<int64_t>(count, 1024)));
  in_multibulk_ = true;
  return Step::kDone;
}

RequestParser::Step RequestParser::ParseBulks() {
  while (remaining_args_ > 0) {
    if (bulk_length_ < 0) {
      size_t cr = FindTerminator('\r');
      if (cr == kNotFound) {
        if (buffer_.size() - pos_ > options_.max_inline_length) {
          return Fail(absl::StatusCode::kResourceExhausted,
                      "Protocol error: too big bulk count string");
        }
        return Step::kNeedMore;
      }
      if (cr + 2 > buffer_.size()) return Step::kNeedMore;
      char type = buffer_.data()[pos_];
      if (type != '$') {
        // redis-server replaces CR and LF in error messages by spaces.
        std::string message = "Protocol error: expected '$', got ' '";
        if (type != '\r' && type != '\n') message[message.size() - 2] = type;
        return Fail(absl::StatusCode::kInvalidArgument, message);
      }
      int64_t length = 0;
      if (!internal::ParseRedisInt(std::string_view(buffer_.data() + pos_ + 1, cr - pos_ - 1),
                                   &length) ||
          length < 0) {
        return Fail(absl::StatusCode::kInvalidArgument, "Protocol error: invalid bulk length");
      }
      if (length > options_.max_bulk_length) {
        return Fail(absl::StatusCode::kResourceExhausted, "Protocol error: invalid bulk length");
      }
      if (length > kUnauthenticatedMaxBulk && !authenticated_) {
        return Fail(absl::StatusCode::kInvalidArgument,
                    "Protocol error: unauthenticated bulk length");
      }
      Advance(cr + 2);
      bulk_length_ = length;
      // The room for a big bulk is made by the next PrepareWrite/Feed, not here: Next never moves
      // the buffer, so the views of earlier commands stay valid (see Next).
      big_bulk_pending_ = length >= kBigBulk;
    }
    // Like redis-server, wait for two bytes after the payload but do not check them.
    if (buffer_.size() - pos_ < static_cast<size_t>(bulk_length_) + 2) return Step::kNeedMore;
    args_.push_back({pos_ - command_start_, static_cast<size_t>(bulk_length_)});
    Advance(pos_ + static_cast<size_t>(bulk_length_) + 2);
    bulk_length_ = -1;
    --remaining_args_;
  }
  return Step::kDone;
}

void RequestParser::PrepareBigBulk() {
  size_t needed = static_cast<size_t>(bulk_length_) + 2;
  if (buffer_.size() - pos_ >= needed) return;  // already complete
  // Move the command to the front now, while little of the bulk is here, so that nothing has to
  // move the bulk later; then reserve its room (capped).
  if (command_start_ > 0) {
    size_t shift = command_start_;
    buffer_.DiscardPrefix(shift);
    pos_ -= shift;
    scan_from_ = pos_;
    command_start_ = 0;
  }
  size_t target = pos_ + needed;
  buffer_.Reserve(std::min(target, buffer_.size() + options_.bulk_prealloc_limit));
}

}  // namespace embedis::resp
