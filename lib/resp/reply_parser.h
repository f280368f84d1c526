// resp::ReplyParser: the client side of RESP, turning a server's bytes into Value trees.
//
// It reads every RESP2 and RESP3 type: + - : $ * (with the $-1 and *-1 nulls) and _ , # ( = ! % ~
// > |. An attribute (`|`) is attached to the value that follows it (see Value::attributes()). It is
// strict where the protocol is: a line must end in CRLF, simple strings and errors may not contain
// CR or LF, a bulk's payload must be followed by CRLF, numbers must be well formed. RESP3's
// streamed strings and aggregates (`$?`, `*?`) are not supported (redis-server never sends them).
//
// Like hiredis's reader it does no I/O: Feed() bytes in any pieces (one byte at a time works), and
// take complete values with Next(). Partial values are kept between calls, and the bytes they came
// from are released, so feeding a large array piece by piece costs linear time. Nothing is
// allocated for a declared length before the bytes arrive (an aggregate reserves at most 1024
// elements up front), so a hostile `$2000000000` or `*2000000000` costs nothing by itself.
//
// Errors are sticky: after the first protocol error every Next() returns false and status()
// keeps that error (kInvalidArgument for malformed input, kResourceExhausted for a limit). Error
// messages start with "Protocol error: ".
//
//   ReplyParser parser;
//   parser.Feed(bytes_from_socket);
//   Value reply;
//   while (parser.Next(&reply)) Dispatch(std::move(reply));
//   if (!parser.status().ok()) CloseConnection(parser.status());
//
// Thread safety: not thread-safe; one parser per connection.
#ifndef EMBEDIS_LIB_RESP_REPLY_PARSER_H_
#define EMBEDIS_LIB_RESP_REPLY_PARSER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "lib/resp/input_buffer.h"
#include "lib/resp/value.h"

namespace embedis::resp {

struct ReplyParserOptions {
  // Longest bulk string, verbatim string or blob error. Default: 512 MB (proto-max-bulk-len).
  int64_t max_bulk_length = 512 * 1024 * 1024;
  // Most elements an aggregate may declare (pairs for maps and attributes). Default: INT_MAX.
  int64_t max_aggregate_length = 2147483647;
  // Deepest nesting of aggregates (and attributes); a top-level array is depth 1. Default: 128.
  size_t max_depth = 128;
  // Longest line (simple string, error, number) without its CRLF. Redis error replies can carry a
  // script's message, hence more than the 64 KB of an inline request. Default: 1 MB.
  size_t max_line_length = 1024 * 1024;
};

class ReplyParser {
 public:
  explicit ReplyParser(ReplyParserOptions options = {});
  ReplyParser(const ReplyParser&) = delete;
  ReplyParser& operator=(const ReplyParser&) = delete;

  // Appends bytes received from the server.
  void Feed(std::string_view bytes);

  // Zero-copy alternative to Feed: write up to the returned span's size, then CommitWrite(n).
  absl::Span<char> PrepareWrite(size_t min_bytes);
  void CommitWrite(size_t n);

  // Takes the next complete top-level value: returns true and sets `*out`, or returns false when
  // more bytes are needed or on error (see status()).
  bool Next(Value* out);

  // OK, or the first protocol error (sticky).
  const absl::Status& status() const { return status_; }

  // Bytes received and not yet parsed (a partial value's parsed parts are not counted).
  size_t pending_bytes() const { return buffer_.size() - pos_; }

  // True when a value has been started but not finished (bytes pending or aggregates open).
  bool in_value() const { return !stack_.empty() || has_top_attributes_ || pending_bytes() > 0; }

  const ReplyParserOptions& options() const { return options_; }

 private:
  enum class Step { kNeedMore, kError, kValue, kOpened };
  struct Frame {
    Value aggregate;
    int64_t remaining = 0;  // values still expected (2 per pair for maps and attributes)
    bool is_attribute = false;
    // Attributes read at this level, waiting for the value they describe.
    bool has_attributes = false;
    std::vector<Value> attributes;
  };

  Step ParseOne(Value* value);
  Step Fail(absl::StatusCode code, std::string message);
  Step OpenAggregate(char type, int64_t count, size_t next_pos, Value* value);
  void CompleteAttributes(std::vector<Value> keys_and_values);

  ReplyParserOptions options_;
  internal::InputBuffer buffer_;
  size_t pos_ = 0;
  size_t scan_from_ = 0;  // where the search for the current line's LF resumes
  std::vector<Frame> stack_;
  bool has_top_attributes_ = false;
  std::vector<Value> top_attributes_;
  absl::Status status_;
};

}  // namespace embedis::resp

#endif  // EMBEDIS_LIB_RESP_REPLY_PARSER_H_
