// libFuzzer entry point for lib/resp: feeds the input to RequestParser and ReplyParser, whole and
// split at pseudo-random points (derived from the input, so runs are reproducible), and checks:
//
//  - splitting never changes what is parsed (commands, values, final status);
//  - errors are sticky;
//  - every parsed command, re-written with AppendCommand, parses back to the same argv;
//  - every parsed value, re-written in RESP3, parses back to an equal Value; re-written in RESP2,
//    it parses back to a value that uses only RESP2 types;
//  - the same holds with tiny limits (which exercise every limit path).
//
// Build and run: tests/resp/run_fuzzer.sh [seconds]. The same entry point runs in the normal test
// suite through resp_parser_fuzz_test.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "lib/resp/reply_parser.h"
#include "lib/resp/request_parser.h"
#include "lib/resp/value.h"
#include "lib/resp/writer.h"

namespace embedis::resp {
namespace {

// The input being checked, printed when a check fails.
std::string_view current_input;

[[noreturn]] void CheckFailed(const char* file, int line, const char* condition) {
  std::fprintf(stderr, "%s:%d: check failed: %s\ninput (%zu bytes): \"", file, line, condition,
               current_input.size());
  for (unsigned char c : current_input.substr(0, 4096)) {
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      std::fputc(c, stderr);
    } else {
      std::fprintf(stderr, "\\x%02x", c);
    }
  }
  std::fprintf(stderr, "\"\n");
  std::abort();
}

#define FUZZ_CHECK(cond)                                 \
  do {                                                   \
    if (!(cond)) CheckFailed(__FILE__, __LINE__, #cond); \
  } while (0)

// splitmix64.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  size_t Uniform(size_t n) { return n == 0 ? 0 : static_cast<size_t>(Next() % n); }

 private:
  uint64_t state_;
};

uint64_t Fnv1a(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

// Chunk sizes for one split feeding: mostly small pieces, sometimes single bytes, sometimes big.
std::vector<size_t> SplitPoints(size_t size, uint64_t seed) {
  Rng rng(seed);
  std::vector<size_t> chunks;
  size_t mode = rng.Uniform(3);
  for (size_t done = 0; done < size;) {
    size_t n = mode == 0 ? 1 : mode == 1 ? 1 + rng.Uniform(8) : 1 + rng.Uniform(size);
    if (n > size - done) n = size - done;
    chunks.push_back(n);
    done += n;
  }
  return chunks;
}

struct RequestResult {
  std::vector<std::vector<std::string>> commands;
  absl::Status status;
  size_t pending = 0;
};

void Drain(RequestParser& parser, RequestResult* result) {
  std::vector<std::string_view> argv;
  while (parser.Next(&argv)) {
    FUZZ_CHECK(!argv.empty());
    result->commands.emplace_back(argv.begin(), argv.end());
  }
  FUZZ_CHECK(argv.empty());
  if (!parser.status().ok()) {
    FUZZ_CHECK(result->status.ok() || result->status == parser.status());
    result->status = parser.status();
  }
}

RequestResult ParseRequests(std::string_view input, const std::vector<size_t>& chunks,
                            const RequestParserOptions& options, bool authenticated) {
  RequestParser parser(options);
  parser.set_authenticated(authenticated);
  RequestResult result;
  size_t offset = 0;
  for (size_t n : chunks) {
    parser.Feed(input.substr(offset, n));
    offset += n;
    Drain(parser, &result);
  }
  result.pending = parser.pending_bytes();
  FUZZ_CHECK(result.pending <= input.size());
  if (!result.status.ok()) {
    // Sticky: more bytes change nothing.
    parser.Feed("*1\r\n$4\r\nPING\r\n");
    std::vector<std::string_view> argv;
    FUZZ_CHECK(!parser.Next(&argv));
    FUZZ_CHECK(parser.status() == result.status);
  }
  return result;
}

void CheckRequestParser(std::string_view input, uint64_t seed, const RequestParserOptions& options,
                        bool authenticated) {
  RequestResult whole = ParseRequests(input, {input.size()}, options, authenticated);
  // Redis's "too big" checks look at how much is buffered when it parses, so only inputs below
  // the inline limit are split-invariant.
  if (input.size() <= options.max_inline_length) {
    RequestResult split =
        ParseRequests(input, SplitPoints(input.size(), seed), options, authenticated);
    FUZZ_CHECK(split.commands == whole.commands);
    FUZZ_CHECK(split.status == whole.status);
    if (whole.status.ok()) FUZZ_CHECK(split.pending == whole.pending);
  }
  for (const std::vector<std::string>& command : whole.commands) {
    std::vector<std::string_view> views(command.begin(), command.end());
    std::string wire;
    AppendCommand(&wire, views);
    // Default limits: an inline command is not subject to the multibulk limits.
    RequestParser again;
    again.Feed(wire);
    std::vector<std::string_view> argv;
    FUZZ_CHECK(again.Next(&argv));
    FUZZ_CHECK(std::vector<std::string>(argv.begin(), argv.end()) == command);
    FUZZ_CHECK(!again.Next(&argv));
    FUZZ_CHECK(again.status().ok());
    FUZZ_CHECK(again.pending_bytes() == 0);
  }
}

struct ReplyResult {
  std::vector<Value> values;
  absl::Status status;
};

ReplyResult ParseReplies(std::string_view input, const std::vector<size_t>& chunks,
                         const ReplyParserOptions& options) {
  ReplyParser parser(options);
  ReplyResult result;
  size_t offset = 0;
  Value value;
  for (size_t n : chunks) {
    parser.Feed(input.substr(offset, n));
    offset += n;
    while (parser.Next(&value)) result.values.push_back(std::move(value));
    if (!parser.status().ok()) {
      FUZZ_CHECK(result.status.ok() || result.status == parser.status());
      result.status = parser.status();
    }
  }
  if (!result.status.ok()) {
    parser.Feed("+OK\r\n");
    FUZZ_CHECK(!parser.Next(&value));
    FUZZ_CHECK(parser.status() == result.status);
  }
  return result;
}

bool OnlyResp2Types(const Value& v) {
  if (v.attributes() != nullptr) return false;
  switch (v.type()) {
    case Type::kSimpleString:
    case Type::kError:
    case Type::kInteger:
    case Type::kBulkString:
      return true;
    case Type::kNull:
      return v.null_kind() != NullKind::kResp3;
    case Type::kArray:
      for (const Value& e : v.elements()) {
        if (!OnlyResp2Types(e)) return false;
      }
      return true;
    default:
      return false;
  }
}

void CheckReplyParser(std::string_view input, uint64_t seed, const ReplyParserOptions& options) {
  ReplyResult whole = ParseReplies(input, {input.size()}, options);
  if (input.size() <= options.max_line_length) {
    ReplyResult split = ParseReplies(input, SplitPoints(input.size(), seed), options);
    FUZZ_CHECK(split.values == whole.values);
    FUZZ_CHECK(split.status == whole.status);
  }
  for (const Value& v : whole.values) {
    FUZZ_CHECK(v == v);
    Value copy = v;
    FUZZ_CHECK(copy == v);
    (void)v.DebugString();

    ReplyParser resp3;  // default limits: merged attributes can be longer
    resp3.Feed(ToResp(v, Protocol::kResp3));
    Value back;
    FUZZ_CHECK(resp3.Next(&back));
    FUZZ_CHECK(back == v);
    FUZZ_CHECK(!resp3.Next(&back));
    FUZZ_CHECK(resp3.status().ok());
    FUZZ_CHECK(resp3.pending_bytes() == 0);

    ReplyParser resp2;  // default limits: a RESP2 map has 2n elements
    resp2.Feed(ToResp(v, Protocol::kResp2));
    FUZZ_CHECK(resp2.Next(&back));
    FUZZ_CHECK(OnlyResp2Types(back));
    FUZZ_CHECK(!resp2.Next(&back));
    FUZZ_CHECK(resp2.status().ok());
  }
}

}  // namespace
}  // namespace embedis::resp

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace embedis::resp;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  uint64_t seed = Fnv1a(input);
  current_input = input;

  CheckRequestParser(input, seed, RequestParserOptions(), /*authenticated=*/true);
  CheckRequestParser(input, seed + 1, RequestParserOptions(), /*authenticated=*/false);
  RequestParserOptions tiny_request;
  tiny_request.max_bulk_length = 40;
  tiny_request.max_multibulk_length = 5;
  tiny_request.max_inline_length = 24;
  tiny_request.bulk_prealloc_limit = 8;
  CheckRequestParser(input, seed + 2, tiny_request, /*authenticated=*/true);

  CheckReplyParser(input, seed + 3, ReplyParserOptions());
  ReplyParserOptions tiny_reply;
  tiny_reply.max_bulk_length = 40;
  tiny_reply.max_aggregate_length = 5;
  tiny_reply.max_depth = 3;
  tiny_reply.max_line_length = 24;
  CheckReplyParser(input, seed + 4, tiny_reply);
  return 0;
}
