#include "lib/resp/request_parser.h"

#include <string>
#include <string_view>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/resp/writer.h"
#include "lib/util/status_matchers.h"

namespace embedis::resp {
namespace {

using ::embedis::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

using Commands = std::vector<std::vector<std::string>>;

struct Parsed {
  Commands commands;
  absl::Status status;
};

// Feeds `input` in pieces of `chunk` bytes (0: all at once), taking commands after each piece.
Parsed Parse(std::string_view input, size_t chunk = 0, RequestParserOptions options = {},
             bool authenticated = true) {
  RequestParser parser(options);
  parser.set_authenticated(authenticated);
  Parsed out;
  std::vector<std::string_view> argv;
  if (chunk == 0) chunk = input.size() == 0 ? 1 : input.size();
  for (size_t i = 0; i < input.size(); i += chunk) {
    parser.Feed(input.substr(i, chunk));
    while (parser.Next(&argv)) out.commands.emplace_back(argv.begin(), argv.end());
  }
  out.status = parser.status();
  return out;
}

// Parses whole and byte by byte, expects both to agree, returns the result.
Parsed ParseBothWays(std::string_view input, RequestParserOptions options = {}) {
  Parsed whole = Parse(input, 0, options);
  Parsed bytes = Parse(input, 1, options);
  EXPECT_EQ(whole.commands, bytes.commands) << "input: " << input;
  EXPECT_EQ(whole.status, bytes.status) << "input: " << input;
  return whole;
}

Commands Cmds(std::initializer_list<std::vector<std::string>> c) { return Commands(c); }

absl::Status ErrorOf(std::string_view input, RequestParserOptions options = {}) {
  Parsed p = ParseBothWays(input, options);
  return p.status;
}

// --- Multibulk requests ---------------------------------------------------------------------

TEST(RequestParser, ParsesMultibulkCommand) {
  Parsed p = ParseBothWays("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nvalue\r\n");
  EXPECT_OK(p.status);
  EXPECT_EQ(p.commands, Cmds({{"SET", "k", "value"}}));
}

TEST(RequestParser, ParsesPipelinedCommands) {
  Parsed p = ParseBothWays("*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\nPING\r\n");
  EXPECT_EQ(p.commands, Cmds({{"PING"}, {"GET", "k"}, {"PING"}}));
}

TEST(RequestParser, BulkMayContainAnyBytes) {
  std::string payload("a\0\r\n\xff", 5);
  std::string wire;
  AppendCommand(&wire, {"ECHO", payload, ""});
  Parsed p = ParseBothWays(wire);
  ASSERT_EQ(p.commands.size(), 1u);
  EXPECT_THAT(p.commands[0], ElementsAre("ECHO", payload, ""));
}

TEST(RequestParser, ZeroAndNegativeMultibulkCountsAreEmptyRequests) {
  // redis-server: `*0` and `*-5` yield no command; the connection stays usable.
  Parsed p = ParseBothWays("*0\r\n*-5\r\n*1\r\n$4\r\nPING\r\n");
  EXPECT_OK(p.status);
  EXPECT_EQ(p.commands, Cmds({{"PING"}}));
}

TEST(RequestParser, DoesNotCheckBytesAfterBulkPayloadLikeRedis) {
  // redis-server skips the two bytes after a payload without looking at them.
  Parsed p = ParseBothWays("*1\r\n$4\r\nPINGXX*1\r\n$4\r\nPING\r\n");
  EXPECT_OK(p.status);
  EXPECT_EQ(p.commands, Cmds({{"PING"}, {"PING"}}));
}

TEST(RequestParser, DoesNotCheckByteAfterCountCrLikeRedis) {
  Parsed p = ParseBothWays("*1\rX$4\r\nPING\r\n");
  EXPECT_EQ(p.commands, Cmds({{"PING"}}));
}

TEST(RequestParser, NulBeforeCountLineEndWaitsForeverLikeRedis) {
  // redis-server finds line ends with strchr(), which stops at NUL.
  Parsed p = ParseBothWays(std::string_view("*1\0\r\n$4\r\nPING\r\n", 15));
  EXPECT_OK(p.status);
  EXPECT_THAT(p.commands, IsEmpty());
}

TEST(RequestParser, MaxMultibulkCountIsIntMax) {
  RequestParser parser;
  parser.Feed("*2147483647\r\n");
  std::vector<std::string_view> argv;
  EXPECT_FALSE(parser.Next(&argv));
  EXPECT_OK(parser.status());
}

// --- Protocol errors: texts verified against redis-server 7.0.15 ----------------------------

TEST(RequestParser, InvalidMultibulkLength) {
  for (std::string_view input :
       {"*x\r\n", "*\r\n", "*01\r\n", "*-0\r\n", "*+1\r\n", "* 1\r\n", "*1 \r\n", "*2147483648\r\n",
        "*99999999999999999999\r\n", "*1\n\r\n"}) {
    EXPECT_THAT(ErrorOf(input), StatusIs(absl::StatusCode::kInvalidArgument,
                                         "Protocol error: invalid multibulk length"))
        << input;
  }
}

TEST(RequestParser, InvalidBulkLength) {
  for (std::string_view input :
       {"*1\r\n$x\r\n", "*1\r\n$-1\r\n", "*1\r\n$04\r\nPING\r\n", "*1\r\n$\r\n",
        "*1\r\n$9223372036854775808\r\n", "*1\r\n$-9223372036854775808\r\n"}) {
    EXPECT_THAT(ErrorOf(input),
                StatusIs(absl::StatusCode::kInvalidArgument, "Protocol error: invalid bulk length"))
        << input;
  }
}

TEST(RequestParser, BulkOverProtoMaxBulkLenIsInvalidBulkLength) {
  EXPECT_OK(ErrorOf("*1\r\n$536870912\r\n"));
  EXPECT_THAT(ErrorOf("*1\r\n$536870913\r\n"), StatusIs(absl::StatusCode::kResourceExhausted,
                                                        "Protocol error: invalid bulk length"));
}

TEST(RequestParser, ExpectedDollar) {
  EXPECT_THAT(ErrorOf("*1\r\nx4\r\nPING\r\n"), StatusIs(absl::StatusCode::kInvalidArgument,
                                                        "Protocol error: expected '$', got 'x'"));
  EXPECT_THAT(ErrorOf("*1\r\n:4\r\n"), StatusIs(absl::StatusCode::kInvalidArgument,
                                                "Protocol error: expected '$', got ':'"));
  // redis-server turns CR and LF in error texts into spaces; other bytes go out raw.
  EXPECT_THAT(ErrorOf("*1\r\n\r\n"), StatusIs(absl::StatusCode::kInvalidArgument,
                                              "Protocol error: expected '$', got ' '"));
  EXPECT_THAT(ErrorOf("*1\r\n\n\r\n"), StatusIs(absl::StatusCode::kInvalidArgument,
                                                "Protocol error: expected '$', got ' '"));
  EXPECT_THAT(ErrorOf("*1\r\n\xff\r\n"), StatusIs(absl::StatusCode::kInvalidArgument,
                                                  "Protocol error: expected '$', got '\xff'"));
}

TEST(RequestParser, ExpectedDollarOnlyOnceTheLineIsComplete) {
  Parsed p = ParseBothWays("*1\r\nx4");
  EXPECT_OK(p.status);
}

TEST(RequestParser, TooBigInlineRequest) {
  EXPECT_OK(ErrorOf(std::string(65536, 'a')));
  EXPECT_THAT(ErrorOf(std::string(65537, 'a')), StatusIs(absl::StatusCode::kResourceExhausted,
                                                         "Protocol error: too big inline request"));
  // A NUL hides the newline, so the line grows until it is too big.
  std::string with_nul = "PI" + std::string(1, '\0') + "NG\r\n";
  EXPECT_OK(ErrorOf(with_nul));
  EXPECT_THAT(
      ErrorOf(with_nul + std::string(65536, 'a')),
      StatusIs(absl::StatusCode::kResourceExhausted, "Protocol error: too big inline request"));
}

TEST(RequestParser, LongInlineLineIsFineWhenItsNewlineHasArrived) {
  // Like redis-server, the limit applies to a line still waiting for its newline.
  std::string line = "ECHO " + std::string(70000, 'a') + "\r\n";
  Parsed whole = Parse(line);
  EXPECT_OK(whole.status);
  ASSERT_EQ(whole.commands.size(), 1u);
  EXPECT_EQ(whole.commands[0][1].size(), 70000u);
}

TEST(RequestParser, TooBigMbulkCountString) {
  EXPECT_OK(ErrorOf("*" + std::string(65535, '1')));
  EXPECT_THAT(
      ErrorOf("*" + std::string(65536, '1')),
      StatusIs(absl::StatusCode::kResourceExhausted, "Protocol error: too big mbulk count string"));
}

TEST(RequestParser, TooBigBulkCountString) {
  EXPECT_OK(ErrorOf("*1\r\n$" + std::string(65535, '1')));
  EXPECT_THAT(
      ErrorOf("*1\r\n$" + std::string(65536, '1')),
      StatusIs(absl::StatusCode::kResourceExhausted, "Protocol error: too big bulk count string"));
}

TEST(RequestParser, UnbalancedQuotes) {
  for (std::string_view input : {"set k \"ab\r\n", "set k \"a\"b\r\n", "set k 'ab\r\n",
                                 "set k 'a'b\r\n", "\"\\\"\r\n", "set k \"a\\\"\r\n"}) {
    EXPECT_THAT(ErrorOf(input), StatusIs(absl::StatusCode::kInvalidArgument,
                                         "Protocol error: unbalanced quotes in request"))
        << input;
  }
}

TEST(RequestParser, UnauthenticatedLimits) {
  Parsed p = Parse("*11\r\n", 0, {}, /*authenticated=*/false);
  EXPECT_THAT(p.status, StatusIs(absl::StatusCode::kInvalidArgument,
                                 "Protocol error: unauthenticated multibulk length"));
  p = Parse("*10\r\n$16385\r\n", 0, {}, /*authenticated=*/false);
  EXPECT_THAT(p.status, StatusIs(absl::StatusCode::kInvalidArgument,
                                 "Protocol error: unauthenticated bulk length"));
  p = Parse("*10\r\n$16384\r\n", 0, {}, /*authenticated=*/false);
  EXPECT_OK(p.status);
}

TEST(RequestParser, ErrorsAreSticky) {
  RequestParser parser;
  std::vector<std::string_view> argv;
  parser.Feed("*1\r\n$4\r\nPING\r\n*x\r\n*1\r\n$4\r\nPING\r\n");
  EXPECT_TRUE(parser.Next(&argv));
  EXPECT_THAT(argv, ElementsAre("PING"));
  EXPECT_FALSE(parser.Next(&argv));
  EXPECT_THAT(argv, IsEmpty());
  absl::Status first = parser.status();
  EXPECT_THAT(first, StatusIs(absl::StatusCode::kInvalidArgument));
  parser.Feed("PING\r\n");
  EXPECT_FALSE(parser.Next(&argv));
  EXPECT_FALSE(parser.Next(&argv));
  EXPECT_EQ(parser.status(), first);
}

// --- Inline requests ------------------------------------------------------------------------

TEST(RequestParser, InlineCommandSplitsOnBlanks) {
  EXPECT_EQ(ParseBothWays("PING\r\n").commands, Cmds({{"PING"}}));
  EXPECT_EQ(ParseBothWays("PING\n").commands, Cmds({{"PING"}}));
  EXPECT_EQ(ParseBothWays("  set\tk   v  \r\n").commands, Cmds({{"set", "k", "v"}}));
  // A CR inside the line ends an argument, as redis-server does.
  EXPECT_EQ(ParseBothWays("PING\rX\r\n").commands, Cmds({{"PING", "X"}}));
  // \v and \f are blanks between arguments but part of an unquoted argument.
  EXPECT_EQ(ParseBothWays("set k a\vb\r\n").commands, Cmds({{"set", "k", "a\vb"}}));
  EXPECT_EQ(ParseBothWays("\vset\f k\r\n").commands, Cmds({{"set\f", "k"}}));
}

TEST(RequestParser, EmptyInlineLinesAreNoCommand) {
  Parsed p = ParseBothWays("\r\n\n   \r\nPING\r\n");
  EXPECT_OK(p.status);
  EXPECT_EQ(p.commands, Cmds({{"PING"}}));
}

TEST(RequestParser, InlineDoubleQuotes) {
  EXPECT_EQ(ParseBothWays("set k \"a b\"\r\n").commands, Cmds({{"set", "k", "a b"}}));
  EXPECT_EQ(ParseBothWays("set k \"\"\r\n").commands, Cmds({{"set", "k", ""}}));
  EXPECT_EQ(ParseBothWays("set k \"\\x41\\x4g\\n\\q\"\r\n").commands,
            Cmds({{"set", "k", "Ax4g\nq"}}));
  EXPECT_EQ(ParseBothWays("e \"\\r\\t\\b\\a\\\\\\\"\\x00\\xfF\"\r\n").commands,
            Cmds({{"e", std::string("\r\t\b\a\\\"\0\xff", 8)}}));
  // Quotes may start in the middle of an argument.
  EXPECT_EQ(ParseBothWays("set k ab\"cd\"\r\n").commands, Cmds({{"set", "k", "abcd"}}));
  // A closing quote followed by any isspace() byte is fine.
  EXPECT_EQ(ParseBothWays("set k \"a\"\v\r\n").commands, Cmds({{"set", "k", "a"}}));
}

TEST(RequestParser, InlineSingleQuotes) {
  EXPECT_EQ(ParseBothWays("set k 'a\\'b'\r\n").commands, Cmds({{"set", "k", "a'b"}}));
  EXPECT_EQ(ParseBothWays("set k 'ab\\\\c'\r\n").commands, Cmds({{"set", "k", "ab\\\\c"}}));
  EXPECT_EQ(ParseBothWays("set k 'a \"b\\n'\r\n").commands, Cmds({{"set", "k", "a \"b\\n"}}));
}

TEST(RequestParser, InlineAndMultibulkMix) {
  Parsed p = ParseBothWays("PING\r\n*1\r\n$4\r\nPING\r\necho \"x\"\n");
  EXPECT_EQ(p.commands, Cmds({{"PING"}, {"PING"}, {"echo", "x"}}));
}

// --- Incremental feeding, buffers, limits ---------------------------------------------------

TEST(RequestParser, ByteByByteFeedingYieldsSameCommands) {
  std::string wire;
  AppendCommand(&wire, {"SET", "key", std::string(100000, 'x')});
  wire += "set k \"a b\"\r\n";
  AppendCommand(&wire, {"GET", "key"});
  Parsed whole = Parse(wire);
  Parsed bytes = Parse(wire, 1);
  Parsed sevens = Parse(wire, 7);
  ASSERT_EQ(whole.commands.size(), 3u);
  EXPECT_EQ(whole.commands, bytes.commands);
  EXPECT_EQ(whole.commands, sevens.commands);
}

TEST(RequestParser, NeedsMoreUntilTheCommandIsComplete) {
  RequestParser parser;
  std::vector<std::string_view> argv;
  std::string wire = "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n";
  for (size_t i = 0; i + 1 < wire.size(); ++i) {
    parser.Feed(wire.substr(i, 1));
    EXPECT_FALSE(parser.Next(&argv)) << i;
    EXPECT_OK(parser.status());
    EXPECT_EQ(parser.pending_bytes(), i + 1);
  }
  parser.Feed(wire.substr(wire.size() - 1));
  EXPECT_TRUE(parser.Next(&argv));
  EXPECT_THAT(argv, ElementsAre("GET", "k"));
  EXPECT_EQ(parser.pending_bytes(), 0u);
}

TEST(RequestParser, PendingBytesCountsUnreturnedData) {
  RequestParser parser;
  std::vector<std::string_view> argv;
  parser.Feed("*1\r\n$4\r\nPING\r\n*1\r\n$3\r\nGE");
  EXPECT_EQ(parser.pending_bytes(), 24u);
  EXPECT_TRUE(parser.Next(&argv));
  EXPECT_EQ(parser.pending_bytes(), 10u);
  EXPECT_FALSE(parser.Next(&argv));
  EXPECT_EQ(parser.pending_bytes(), 10u);
}

TEST(RequestParser, PrepareWriteReadsInPlace) {
  RequestParser parser;
  std::string wire = "*2\r\n$4\r\nECHO\r\n$5\r\nhello\r\n";
  absl::Span<char> room = parser.PrepareWrite(wire.size());
  ASSERT_GE(room.size(), wire.size());
  std::copy(wire.begin(), wire.end(), room.data());
  parser.CommitWrite(wire.size());
  std::vector<std::string_view> argv;
  ASSERT_TRUE(parser.Next(&argv));
  EXPECT_THAT(argv, ElementsAre("ECHO", "hello"));
  // The argument points into the buffer it was read into: zero copy.
  EXPECT_EQ(argv[1].data(), room.data() + 18);
}

TEST(RequestParser, HugeDeclaredBulkDoesNotAllocateItUpFront) {
  RequestParserOptions options;
  options.bulk_prealloc_limit = 64 * 1024;
  RequestParser parser(options);
  parser.Feed("*1\r\n$536870912\r\nabc");
  std::vector<std::string_view> argv;
  EXPECT_FALSE(parser.Next(&argv));
  EXPECT_OK(parser.status());
  absl::Span<char> room = parser.PrepareWrite(1);
  EXPECT_LE(room.size(), 2u * 64 * 1024 + 1024);
}

TEST(RequestParser, BigBulkIsReturnedWithoutCopy) {
  RequestParser parser;
  std::string payload(1 << 20, 'v');
  std::string wire;
  AppendCommand(&wire, {"SET", "k", payload});
  // Header first, then the payload in socket-sized reads straight into the buffer.
  size_t header = wire.size() - payload.size() - 2;
  parser.Feed(wire.substr(0, header));
  std::vector<std::string_view> argv;
  EXPECT_FALSE(parser.Next(&argv));
  for (size_t i = header; i < wire.size();) {
    absl::Span<char> room = parser.PrepareWrite(16 * 1024);
    size_t n = std::min(room.size(), std::min<size_t>(16 * 1024, wire.size() - i));
    std::copy(wire.begin() + i, wire.begin() + i + n, room.data());
    parser.CommitWrite(n);
    i += n;
  }
  ASSERT_TRUE(parser.Next(&argv));
  EXPECT_EQ(argv[2], payload);
}

TEST(RequestParser, LimitsAreConfigurable) {
  RequestParserOptions options;
  options.max_bulk_length = 3;
  options.max_multibulk_length = 2;
  options.max_inline_length = 8;
  EXPECT_OK(ErrorOf("*2\r\n$3\r\nGET\r\n$3\r\nabc\r\n", options));
  EXPECT_THAT(
      ErrorOf("*1\r\n$4\r\nPING\r\n", options),
      StatusIs(absl::StatusCode::kResourceExhausted, "Protocol error: invalid bulk length"));
  EXPECT_THAT(ErrorOf("*3\r\n", options), StatusIs(absl::StatusCode::kInvalidArgument,
                                                   "Protocol error: invalid multibulk length"));
  EXPECT_THAT(ErrorOf("123456789", options), StatusIs(absl::StatusCode::kResourceExhausted,
                                                      "Protocol error: too big inline request"));
}

TEST(RequestParser, ArgvViewsStayValidUntilNextCall) {
  RequestParser parser;
  parser.Feed("*2\r\n$3\r\nGET\r\n$3\r\nkey\r\nset a \"b c\"\r\n");
  std::vector<std::string_view> argv;
  ASSERT_TRUE(parser.Next(&argv));
  std::vector<std::string> copy(argv.begin(), argv.end());
  EXPECT_THAT(copy, ElementsAre("GET", "key"));
  ASSERT_TRUE(parser.Next(&argv));
  EXPECT_THAT(argv, ElementsAre("set", "a", "b c"));
}

TEST(RequestParser, ViewsOfABatchStayValidUntilPrepareWrite) {
  // A server takes every complete command of a read, then executes them: the views of the first
  // commands must survive the later Next calls, including the failing one that meets a big bulk
  // still arriving (its room is made by the next PrepareWrite, not by Next).
  RequestParser parser;
  std::string payload(1 << 20, 'p');
  std::string wire;
  AppendCommand(&wire, {"SET", "k1", "v1"});
  AppendCommand(&wire, {"GET", "k2"});
  const size_t first_two = wire.size();
  AppendCommand(&wire, {"SET", "big", payload});
  parser.Feed(wire.substr(0, first_two + 40));  // the big command's header and a few bytes
  std::vector<std::string_view> a, b, c;
  ASSERT_TRUE(parser.Next(&a));
  ASSERT_TRUE(parser.Next(&b));
  const char* a_data = a[2].data();
  EXPECT_FALSE(parser.Next(&c));
  EXPECT_OK(parser.status());
  EXPECT_EQ(a[2].data(), a_data);
  EXPECT_THAT(a, ElementsAre("SET", "k1", "v1"));
  EXPECT_THAT(b, ElementsAre("GET", "k2"));
  // The next PrepareWrite makes room for the whole bulk at once (capped by bulk_prealloc_limit).
  absl::Span<char> room = parser.PrepareWrite(16);
  EXPECT_GE(room.size(), payload.size() - 40);
  for (size_t i = first_two + 40; i < wire.size();) {
    room = parser.PrepareWrite(16 * 1024);
    size_t n = std::min(room.size(), wire.size() - i);
    std::copy(wire.begin() + i, wire.begin() + i + n, room.data());
    parser.CommitWrite(n);
    i += n;
  }
  ASSERT_TRUE(parser.Next(&c));
  EXPECT_EQ(c[2], payload);
}

TEST(RequestParser, ManyArgumentsReuseArgvCapacity) {
  std::vector<std::string> args(5000, "x");
  std::vector<std::string_view> views(args.begin(), args.end());
  std::string wire;
  AppendCommand(&wire, views);
  AppendCommand(&wire, views);
  RequestParser parser;
  parser.Feed(wire);
  std::vector<std::string_view> argv;
  ASSERT_TRUE(parser.Next(&argv));
  EXPECT_EQ(argv.size(), 5000u);
  const std::string_view* storage = argv.data();
  ASSERT_TRUE(parser.Next(&argv));
  EXPECT_EQ(argv.data(), storage);
}

}  // namespace
}  // namespace embedis::resp
