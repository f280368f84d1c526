// resp::Writer: appends RESP2 or RESP3 to a std::string.
//
// The server writes replies with it, the client writes commands with it. Every method appends
// straight to the caller's string (headers are formatted on the stack, payloads appended once), so
// a connection can keep one output string, write many replies, and send it in one write().
//
// In RESP2 mode the RESP3-only types are downgraded the way redis-server downgrades them for a
// RESP2 client: map -> flat array of 2n elements, set -> array, push -> array, double -> bulk
// string, boolean -> integer 1/0, big number -> bulk string, verbatim -> bulk string (text only),
// blob error -> simple error, null -> `$-1` (Null) or `*-1` (NullArray), attributes -> dropped.
//
//   std::string out;
//   resp::Writer w(&out, resp::Protocol::kResp3);
//   w.MapHeader(1);
//   w.BulkString("field");
//   w.Double(1.5);               // "%1\r\n$5\r\nfield\r\n,1.5\r\n"
//
//   resp::AppendCommand(&out, {"SET", "k", "v"});   // "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"
//
// Thread safety: not thread-safe; one Writer per output buffer.
#ifndef EMBEDIS_LIB_RESP_WRITER_H_
#define EMBEDIS_LIB_RESP_WRITER_H_

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "absl/types/span.h"
#include "lib/resp/value.h"

namespace embedis::resp {

enum class Protocol : uint8_t { kResp2 = 2, kResp3 = 3 };

// Appends `*<n>\r\n` then each argument as a bulk string.
void AppendCommand(std::string* out, absl::Span<const std::string_view> argv);
void AppendCommand(std::string* out, std::initializer_list<std::string_view> argv);

// Formats `v` in decimal into `buf` (at least 20 bytes) and returns the length. Fast.
size_t FormatInt64(int64_t v, char* buf);
// Formats a double as redis-server 7.2+ does: the shortest text that parses back to the same
// value, "inf", "-inf" or "nan". Returns the length; `buf` needs at least 32 bytes.
size_t FormatDouble(double v, char* buf);

class Writer {
 public:
  // `out` must outlive the Writer; the Writer only appends to it.
  explicit Writer(std::string* out, Protocol protocol = Protocol::kResp2)
      : out_(out), protocol_(protocol) {}

  Protocol protocol() const { return protocol_; }
  void set_protocol(Protocol p) { protocol_ = p; }
  std::string* out() const { return out_; }

  // `+<s>\r\n`. CR and LF in `s` are replaced by spaces (they would break the protocol).
  void SimpleString(std::string_view s);
  void Ok() { out_->append("+OK\r\n", 5); }
  // `-<message>\r\n`; `message` carries its own prefix ("ERR ...", "WRONGTYPE ..."). CR and LF are
  // replaced by spaces, as redis-server does.
  void Error(std::string_view message);
  void Integer(int64_t v);
  void BulkString(std::string_view s);
  // RESP2 `$-1`, RESP3 `_`.
  void Null();
  // RESP2 `*-1`, RESP3 `_`.
  void NullArray();
  void ArrayHeader(size_t n);
  // `n` pairs follow (2n values). RESP2: `*<2n>`.
  void MapHeader(size_t n);
  void SetHeader(size_t n);
  void PushHeader(size_t n);
  // RESP3 only: `|<n>` then n key/value pairs, then the value they describe. In RESP2 mode it
  // writes nothing, so the caller must not write the pairs either (check protocol()).
  void AttributeHeader(size_t n);
  void Double(double v);
  // A double already formatted (`text`: "1.5", "inf"): RESP3 `,<text>`, RESP2 a bulk string. For
  // replies that must match a server's own formatting (Redis 7.0's "%.17g").
  void DoubleText(std::string_view text);
  void Boolean(bool v);
  // `digits` is an optionally negative decimal integer of any size.
  void BigNumber(std::string_view digits);
  // REQUIRES: format.size() == 3 ("txt", "mkd").
  void Verbatim(std::string_view format, std::string_view text);
  void BlobError(std::string_view message);
  // A command: array of bulk strings (same in both protocols).
  void Command(absl::Span<const std::string_view> argv) { AppendCommand(out_, argv); }

  // Writes a whole value tree. In RESP3 mode the output reproduces `v` exactly (the three null
  // kinds keep their wire forms), so parsing it back yields an equal Value. In RESP2 mode the
  // RESP3-only types are downgraded as described above.
  void Write(const Value& v);

 private:
  void Header(char type, int64_t n);
  void LineWithoutCrLf(char type, std::string_view s);

  std::string* out_;
  Protocol protocol_;
};

// Convenience: the bytes of one value.
std::string ToResp(const Value& v, Protocol protocol = Protocol::kResp3);

}  // namespace embedis::resp

#endif  // EMBEDIS_LIB_RESP_WRITER_H_
