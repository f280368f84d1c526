// resp::RequestParser: the server side of RESP, turning a client's bytes into commands.
//
// It accepts exactly what redis-server 7 accepts, and fails with exactly its error texts:
//
//  - multibulk requests, `*<argc>\r\n` then argc times `$<len>\r\n<bytes>\r\n`. Like redis-server
//    it does not check the two bytes after a bulk's payload (they are skipped, whatever they are),
//    nor the byte after the `\r` of a count line; `*0` and negative counts are empty requests that
//    produce no command;
//  - inline requests, any line that does not start with '*' (`PING\r\n`, `set k "a b"\n`), split
//    into arguments like redis-server's sdssplitargs: blanks separate arguments; "double quotes"
//    understand \n \r \t \b \a \xHH and \<any>; 'single quotes' only \'; a closing quote must be
//    followed by a blank or the end of the line; an empty line is no command.
//
// The parser does no I/O: append bytes with Feed() (or read straight into PrepareWrite()), then
// take the complete commands with Next(). Arguments are string_views into the parser's buffer: no
// copy and no allocation per argument (a quoted inline argument is unescaped in place). A bulk
// larger than 32 KB that is still arriving is given its own room in the buffer as soon as its
// header is parsed (up to `bulk_prealloc_limit` at once, then growing geometrically with realloc),
// so its bytes are written once, by Feed's copy or by the socket read, and never copied again.
//
// Errors are sticky, as the connection is closed after one: once Next() has failed, it keeps
// failing with the same status. The status message is redis-server's text, e.g.
// "Protocol error: invalid multibulk length"; redis-server sends it as "-ERR <message>\r\n" before
// closing the connection. Codes: ResourceExhausted for the "too big ..." limits and for a bulk
// over max_bulk_length, InvalidArgument for the rest.
//
//   RequestParser parser;
//   std::vector<std::string_view> argv;
//   ...
//   absl::Span<char> room = parser.PrepareWrite(16 * 1024);
//   ssize_t n = read(fd, room.data(), room.size());
//   parser.CommitWrite(n);
//   while (parser.Next(&argv)) Execute(argv);   // argv valid until the next parser call
//   if (!parser.status().ok()) {
//     writer.Error(absl::StrCat("ERR ", parser.status().message()));
//     CloseAfterReply();
//   }
//   if (parser.pending_bytes() > kMaxQueryBuffer) Close();   // client-query-buffer-limit
//
// Thread safety: not thread-safe; one parser per connection.
#ifndef EMBEDIS_LIB_RESP_REQUEST_PARSER_H_
#define EMBEDIS_LIB_RESP_REQUEST_PARSER_H_

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "lib/resp/input_buffer.h"

namespace embedis::resp {

struct RequestParserOptions {
  // Longest bulk argument (redis-server's proto-max-bulk-len). Default: 512 MB.
  int64_t max_bulk_length = 512 * 1024 * 1024;
  // Most arguments in one multibulk request. Default: INT_MAX, as redis-server 7 enforces.
  int64_t max_multibulk_length = 2147483647;
  // Longest inline request line, and longest `*`/`$` count line, without its newline
  // (redis-server's PROTO_INLINE_MAX_SIZE). Default: 64 KB.
  size_t max_inline_length = 64 * 1024;
  // Most bytes reserved at once for a declared big bulk that has not arrived yet, so that a
  // `$536870912` header with nothing behind it does not allocate 512 MB. Default: 1 MB.
  size_t bulk_prealloc_limit = 1024 * 1024;
};

class RequestParser {
 public:
  explicit RequestParser(RequestParserOptions options = {});
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  // Appends bytes received from the client (one copy). Invalidates argv views.
  void Feed(std::string_view bytes);

  // Zero-copy alternative to Feed: returns at least `min_bytes` of writable room at the end of the
  // buffer; write into it, then call CommitWrite with the count actually written. Invalidates argv
  // views.
  absl::Span<char> PrepareWrite(size_t min_bytes);
  void CommitWrite(size_t n);

  // Takes the next complete command. Returns true and fills `argv` (cleared first; never empty on
  // true) when one is available; returns false when more bytes are needed or on error (see
  // status()). Next never moves the buffered bytes, so the views of every command taken since the
  // last Feed or PrepareWrite stay valid until the next Feed or PrepareWrite: a server can take a
  // batch of commands, look at all of them (to prefetch their keys), then execute them.
  bool Next(std::vector<std::string_view>* argv);

  // OK, or the first protocol error (sticky).
  const absl::Status& status() const { return status_; }

  // Bytes received but not yet returned as commands (redis-server compares its query buffer
  // length against client-query-buffer-limit).
  size_t pending_bytes() const { return buffer_.size() - command_start_; }

  // Before AUTH, redis-server refuses multibulk requests of more than 10 arguments
  // ("Protocol error: unauthenticated multibulk length") and bulks over 16384 bytes
  // ("Protocol error: unauthenticated bulk length"). Default: authenticated.
  void set_authenticated(bool authenticated) { authenticated_ = authenticated; }
  bool authenticated() const { return authenticated_; }

  const RequestParserOptions& options() const { return options_; }
  // Changes max_bulk_length for the bulks whose length is read from now on (a server's CONFIG
  // SET proto-max-bulk-len reaches its connections' parsers through this).
  void set_max_bulk_length(int64_t n) { options_.max_bulk_length = n; }

 private:
  enum class Step { kNeedMore, kError, kEmpty, kDone };
  struct Arg {
    size_t offset;  // from command_start_
    size_t length;
  };

  Step ParseInline(std::vector<std::string_view>* argv);
  Step ParseMultibulkCount();
  Step ParseBulks();
  bool SplitInline(size_t begin, size_t end);
  size_t FindTerminator(char terminator);
  void Advance(size_t new_pos);
  void PrepareBigBulk();
  void MakeRoom(size_t n);
  Step Fail(absl::StatusCode code, std::string_view message);

  RequestParserOptions options_;
  internal::InputBuffer buffer_;
  size_t pos_ = 0;             // parse position
  size_t command_start_ = 0;   // first byte of the command being parsed
  size_t scan_from_ = 0;       // where the search for the current line's terminator resumes
  bool line_blocked_ = false;  // a NUL byte precedes the current line's terminator
  bool in_multibulk_ = false;
  bool big_bulk_pending_ = false;  // a big bulk's room is to be made by the next PrepareWrite
  int64_t remaining_args_ = 0;
  int64_t bulk_length_ = -1;  // -1: expecting a `$` line
  bool authenticated_ = true;
  std::vector<Arg> args_;
  absl::Status status_;
};

}  // namespace embedis::resp

#endif  // EMBEDIS_LIB_RESP_REQUEST_PARSER_H_
