#include "lib/resp/reply_parser.h"

#include <cmath>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/resp/value.h"
#include "lib/resp/writer.h"
#include "lib/util/status_matchers.h"

namespace embedis::resp {
namespace {

using ::embedis::testing::StatusIs;
using ::testing::HasSubstr;

struct Parsed {
  std::vector<Value> values;
  absl::Status status;
  bool in_value = false;
};

Parsed Parse(std::string_view input, size_t chunk = 0, ReplyParserOptions options = {}) {
  ReplyParser parser(options);
  Parsed out;
  Value v;
  if (chunk == 0) chunk = input.empty() ? 1 : input.size();
  for (size_t i = 0; i < input.size(); i += chunk) {
    parser.Feed(input.substr(i, chunk));
    while (parser.Next(&v)) out.values.push_back(std::move(v));
  }
  out.status = parser.status();
  out.in_value = parser.in_value();
  return out;
}

Parsed ParseBothWays(std::string_view input, ReplyParserOptions options = {}) {
  Parsed whole = Parse(input, 0, options);
  Parsed bytes = Parse(input, 1, options);
  EXPECT_EQ(whole.values, bytes.values);
  EXPECT_EQ(whole.status, bytes.status);
  return whole;
}

Value ParseOne(std::string_view input) {
  Parsed p = ParseBothWays(input);
  EXPECT_OK(p.status) << input;
  EXPECT_EQ(p.values.size(), 1u) << input;
  return p.values.empty() ? Value() : p.values[0];
}

absl::Status ErrorOf(std::string_view input, ReplyParserOptions options = {}) {
  return ParseBothWays(input, options).status;
}

// One value of every type, nested.
std::vector<Value> EveryType() {
  std::vector<Value> all = {
      Value::SimpleString("OK"),
      Value::SimpleString(""),
      Value::Error("ERR unknown command 'FOO'"),
      Value::Integer(0),
      Value::Integer(std::numeric_limits<int64_t>::min()),
      Value::Integer(std::numeric_limits<int64_t>::max()),
      Value::BulkString(""),
      Value::BulkString(std::string("a\r\n\0b", 5)),
      Value::BulkString(std::string(100000, 'x')),
      Value::Null(),
      Value::NullBulk(),
      Value::NullArray(),
      Value::Double(1.5),
      Value::Double(-0.1),
      Value::Double(1e300),
      Value::Double(5e-324),
      Value::Double(std::numeric_limits<double>::infinity()),
      Value::Double(-std::numeric_limits<double>::infinity()),
      Value::Double(std::nan("")),
      Value::Boolean(true),
      Value::Boolean(false),
      Value::BigNumber("1234567999999999999999999999999999999"),
      Value::BigNumber("-1"),
      Value::Verbatim("txt", "Some string\nwith lines"),
      Value::Verbatim("mkd", ""),
      Value::BlobError("SYNTAX invalid syntax"),
      Value::Array({}),
      Value::Map({}),
      Value::Set({}),
      Value::Push({}),
  };
  std::vector<Value> scalars = all;
  all.push_back(Value::Array(scalars));
  all.push_back(Value::Set(scalars));
  all.push_back(Value::Push({Value::BulkString("message"), Value::Array(scalars)}));
  all.push_back(Value::Map({{Value::BulkString("k"), Value::Array(scalars)},
                            {Value::Integer(1), Value::Map({{Value::Null(), Value::Set({})}})}}));
  Value with_attributes = Value::BulkString("v");
  with_attributes.set_attributes({Value::SimpleString("ttl"), Value::Integer(3600)});
  all.push_back(with_attributes);
  all.push_back(Value::Array({with_attributes, Value::Integer(2)}));
  Value empty_attributes = Value::Integer(7);
  empty_attributes.set_attributes({});
  all.push_back(empty_attributes);
  return all;
}

TEST(ReplyParser, EveryTypeRoundTripsThroughResp3Writer) {
  for (const Value& v : EveryType()) {
    std::string wire = ToResp(v, Protocol::kResp3);
    EXPECT_EQ(ParseOne(wire), v) << wire;
  }
}

TEST(ReplyParser, EveryTypeRoundTripsAsAPipeline) {
  std::vector<Value> all = EveryType();
  std::string wire;
  for (const Value& v : all) wire += ToResp(v, Protocol::kResp3);
  Parsed whole = Parse(wire);
  EXPECT_OK(whole.status);
  EXPECT_EQ(whole.values, all);
  for (size_t chunk : {1, 2, 3, 7, 64, 4096}) {
    Parsed p = Parse(wire, chunk);
    EXPECT_OK(p.status);
    EXPECT_EQ(p.values, all) << "chunk " << chunk;
    EXPECT_FALSE(p.in_value);
  }
}

TEST(ReplyParser, Resp2DowngradesParseBackAsResp2Types) {
  EXPECT_EQ(ParseOne(ToResp(Value::Double(1.5), Protocol::kResp2)), Value::BulkString("1.5"));
  EXPECT_EQ(ParseOne(ToResp(Value::Boolean(true), Protocol::kResp2)), Value::Integer(1));
  EXPECT_EQ(ParseOne(ToResp(Value::Null(), Protocol::kResp2)), Value::NullBulk());
  EXPECT_EQ(ParseOne(ToResp(Value::Verbatim("txt", "hi"), Protocol::kResp2)),
            Value::BulkString("hi"));
  EXPECT_EQ(
      ParseOne(ToResp(Value::Map({{Value::BulkString("a"), Value::Integer(1)}}), Protocol::kResp2)),
      Value::Array({Value::BulkString("a"), Value::Integer(1)}));
}

TEST(ReplyParser, ParsesRedisServerReplies) {
  // Bytes captured from redis-server 7.0.15 (DEBUG PROTOCOL ..., after HELLO 3).
  Value attrib = ParseOne(
      "|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n"
      "$39\r\nSome real reply following the attribute\r\n");
  EXPECT_EQ(attrib.type(), Type::kBulkString);
  EXPECT_EQ(attrib.str(), "Some real reply following the attribute");
  ASSERT_NE(attrib.attributes(), nullptr);
  EXPECT_EQ(*attrib.attributes(),
            (std::vector<Value>{Value::BulkString("key-popularity"),
                                Value::Array({Value::BulkString("key:123"), Value::Integer(90)})}));

  Value verbatim = ParseOne("=29\r\ntxt:This is a verbatim\nstring\r\n");
  EXPECT_EQ(verbatim, Value::Verbatim("txt", "This is a verbatim\nstring"));
  EXPECT_EQ(ParseOne(",3.141\r\n"), Value::Double(3.141));
  EXPECT_EQ(ParseOne("(1234567999999999999999999999999999999\r\n"),
            Value::BigNumber("1234567999999999999999999999999999999"));
  EXPECT_EQ(ParseOne("_\r\n"), Value::Null());
  EXPECT_EQ(ParseOne("%3\r\n:0\r\n#f\r\n:1\r\n#t\r\n:2\r\n#f\r\n"),
            Value::Map({{Value::Integer(0), Value::Boolean(false)},
                        {Value::Integer(1), Value::Boolean(true)},
                        {Value::Integer(2), Value::Boolean(false)}}));
  EXPECT_EQ(ParseOne("~3\r\n:0\r\n:1\r\n:2\r\n"),
            Value::Set({Value::Integer(0), Value::Integer(1), Value::Integer(2)}));
  EXPECT_EQ(ParseOne(">2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n"),
            Value::Push({Value::BulkString("server-cpu-usage"), Value::Integer(42)}));
}

TEST(ReplyParser, AcceptsNumberSpellings) {
  EXPECT_EQ(ParseOne(":+5\r\n"), Value::Integer(5));
  EXPECT_EQ(ParseOne(":-0\r\n"), Value::Integer(0));
  EXPECT_EQ(ParseOne(":007\r\n"), Value::Integer(7));
  EXPECT_EQ(ParseOne(",1e+21\r\n"), Value::Double(1e21));
  EXPECT_EQ(ParseOne(",-1.5E-3\r\n"), Value::Double(-1.5e-3));
  EXPECT_EQ(ParseOne(",.5\r\n"), Value::Double(0.5));
  EXPECT_EQ(ParseOne(",5.\r\n"), Value::Double(5));
  EXPECT_EQ(ParseOne(",+inf\r\n"), Value::Double(std::numeric_limits<double>::infinity()));
  EXPECT_EQ(ParseOne(",1e999\r\n"), Value::Double(std::numeric_limits<double>::infinity()));
  EXPECT_TRUE(std::isnan(ParseOne(",nan\r\n").dbl()));
}

TEST(ReplyParser, AttributesInsideAggregatesAttachToTheNextElement) {
  Value v = ParseOne("*2\r\n:1\r\n|1\r\n+a\r\n+b\r\n:2\r\n");
  ASSERT_EQ(v.elements().size(), 2u);
  EXPECT_EQ(v.elements()[0].attributes(), nullptr);
  ASSERT_NE(v.elements()[1].attributes(), nullptr);
  EXPECT_EQ(v.elements()[1].attributes()->size(), 2u);
}

TEST(ReplyParser, ConsecutiveAttributesMerge) {
  Value v = ParseOne("|1\r\n+a\r\n:1\r\n|1\r\n+b\r\n:2\r\n+OK\r\n");
  ASSERT_NE(v.attributes(), nullptr);
  EXPECT_EQ(v.attributes()->size(), 4u);
}

TEST(ReplyParser, AttributeAloneIsNotAValueYet) {
  Parsed p = ParseBothWays("|1\r\n+a\r\n:1\r\n");
  EXPECT_OK(p.status);
  EXPECT_TRUE(p.values.empty());
  EXPECT_TRUE(p.in_value);
}

TEST(ReplyParser, NeedsMoreForEveryPrefix) {
  for (const Value& v : EveryType()) {
    std::string wire = ToResp(v, Protocol::kResp3);
    if (wire.size() > 2000) continue;
    for (size_t n = 0; n < wire.size(); ++n) {
      Parsed p = Parse(wire.substr(0, n));
      EXPECT_OK(p.status) << wire.substr(0, n);
      EXPECT_TRUE(p.values.empty()) << wire.substr(0, n);
    }
  }
}

TEST(ReplyParser, PendingBytesAndPartialAggregates) {
  ReplyParser parser;
  Value v;
  parser.Feed("*2\r\n$3\r\nfoo\r\n$3\r\nba");
  EXPECT_FALSE(parser.Next(&v));
  EXPECT_TRUE(parser.in_value());
  // The array header and "foo" are parsed and released; "$3\r\nba" waits.
  EXPECT_EQ(parser.pending_bytes(), 6u);
  parser.Feed("r\r\n");
  ASSERT_TRUE(parser.Next(&v));
  EXPECT_EQ(v, Value::Array({Value::BulkString("foo"), Value::BulkString("bar")}));
  EXPECT_EQ(parser.pending_bytes(), 0u);
  EXPECT_FALSE(parser.in_value());
}

// --- Malformed input ------------------------------------------------------------------------

TEST(ReplyParser, RejectsBadTypeByte) {
  EXPECT_THAT(ErrorOf("@foo\r\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("invalid type byte \"@\"")));
  EXPECT_THAT(ErrorOf("\r\n"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ErrorOf("PONG\r\n"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ReplyParser, RejectsLinesWithoutCrLf) {
  for (std::string_view input : {"+OK\n", ":1\n", "$1\nx\r\n", "*1\n:1\r\n", "\n"}) {
    EXPECT_THAT(ErrorOf(input), StatusIs(absl::StatusCode::kInvalidArgument)) << input;
  }
  EXPECT_THAT(ErrorOf("+O\rK\r\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("CR inside a simple string")));
  EXPECT_THAT(ErrorOf("-E\rR\r\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("CR inside an error")));
}

TEST(ReplyParser, RejectsBulkWithoutTrailingCrLf) {
  EXPECT_THAT(ErrorOf("$3\r\nfooXX"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not terminated by CRLF")));
  EXPECT_THAT(ErrorOf("$3\r\nfoo\rX"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ErrorOf("!3\r\nfoo\n\n"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ReplyParser, RejectsBadLengths) {
  for (std::string_view input :
       {"$x\r\n", "$-2\r\n", "$\r\n", "$01\r\n", "$ 1\r\n", "$1 \r\n", "$+1\r\n", "*-2\r\n",
        "*x\r\n", "%-1\r\n", "~-1\r\n", ">-1\r\n", "|-1\r\n", "!-1\r\n", "=-1\r\n",
        "$9223372036854775808\r\n", "*99999999999999999999\r\n", "$-0\r\n"}) {
    EXPECT_THAT(ErrorOf(input), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("length")))
        << input;
  }
}

TEST(ReplyParser, RejectsBadScalars) {
  for (std::string_view input : {":\r\n",
                                 ":x\r\n",
                                 ":1.5\r\n",
                                 ":9223372036854775808\r\n",
                                 ":-9223372036854775809\r\n",
                                 ": 1\r\n",
                                 ",\r\n",
                                 ",x\r\n",
                                 ",1.5x\r\n",
                                 ",infinity\r\n",
                                 ",e5\r\n",
                                 ",1e\r\n",
                                 ",0x10\r\n",
                                 "#\r\n",
                                 "#true\r\n",
                                 "#T\r\n",
                                 "(\r\n",
                                 "(1.5\r\n",
                                 "(-\r\n",
                                 "(+1\r\n",
                                 "_x\r\n",
                                 "=3\r\ntxt\r\n",
                                 "=5\r\ntxt-x\r\n"}) {
    EXPECT_THAT(ErrorOf(input), StatusIs(absl::StatusCode::kInvalidArgument)) << input;
  }
}

TEST(ReplyParser, RejectsStreamedTypes) {
  EXPECT_THAT(ErrorOf("$?\r\n;4\r\nHell\r\n;0\r\n"),
              StatusIs(absl::StatusCode::kUnimplemented, HasSubstr("streamed")));
  EXPECT_THAT(ErrorOf("*?\r\n:1\r\n.\r\n"), StatusIs(absl::StatusCode::kUnimplemented));
}

TEST(ReplyParser, RejectsNestingTooDeep) {
  std::string ok;
  for (int i = 0; i < 128; ++i) ok += "*1\r\n";
  ok += ":1\r\n";
  EXPECT_OK(ErrorOf(ok));
  EXPECT_THAT(ErrorOf("*1\r\n" + ok),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("nested deeper than 128")));
  ReplyParserOptions options;
  options.max_depth = 2;
  EXPECT_OK(ErrorOf("*1\r\n%1\r\n:1\r\n:2\r\n", options));
  EXPECT_THAT(ErrorOf("*1\r\n*1\r\n*0\r\n", options),
              StatusIs(absl::StatusCode::kResourceExhausted));
  // Attributes count as a level.
  EXPECT_THAT(ErrorOf("*1\r\n|1\r\n*1\r\n:1\r\n:1\r\n:1\r\n", options),
              StatusIs(absl::StatusCode::kResourceExhausted));
}

TEST(ReplyParser, EnforcesConfigurableLimits) {
  ReplyParserOptions options;
  options.max_bulk_length = 4;
  options.max_aggregate_length = 2;
  options.max_line_length = 8;
  EXPECT_OK(ErrorOf("$4\r\nabcd\r\n*2\r\n:1\r\n:2\r\n%2\r\n:1\r\n:1\r\n:2\r\n:2\r\n+12345678\r\n",
                    options));
  EXPECT_THAT(ErrorOf("$5\r\n", options),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("bulk length 5 exceeds")));
  EXPECT_THAT(ErrorOf("=9\r\n", options), StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT(ErrorOf("*3\r\n", options), StatusIs(absl::StatusCode::kResourceExhausted,
                                                   HasSubstr("aggregate length 3 exceeds")));
  EXPECT_THAT(ErrorOf("+123456789\r\n", options),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("line too long")));
  EXPECT_THAT(ErrorOf("+123456789", options),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("line too long")));
  EXPECT_OK(ErrorOf("+12345678\r", options));
}

TEST(ReplyParser, HugeDeclaredLengthsDoNotAllocateUpFront) {
  // 512 MB bulk and 2^31-1 elements declared, a few bytes sent: nothing big is allocated (ASan
  // and the test's memory would notice), and the parser just waits.
  Parsed p = ParseBothWays("$536870912\r\nabc");
  EXPECT_OK(p.status);
  EXPECT_TRUE(p.values.empty());
  p = ParseBothWays("*2147483647\r\n:1\r\n:2\r\n");
  EXPECT_OK(p.status);
  EXPECT_TRUE(p.in_value);
  p = ParseBothWays("%2147483647\r\n:1\r\n");
  EXPECT_OK(p.status);
  ReplyParser parser;
  parser.Feed("$536870912\r\nabc");
  Value v;
  EXPECT_FALSE(parser.Next(&v));
  EXPECT_LE(parser.PrepareWrite(1).size(), 2u * 1024 * 1024);
}

TEST(ReplyParser, ErrorsAreSticky) {
  ReplyParser parser;
  Value v;
  parser.Feed("+OK\r\n@\r\n+OK\r\n");
  EXPECT_TRUE(parser.Next(&v));
  EXPECT_FALSE(parser.Next(&v));
  absl::Status first = parser.status();
  EXPECT_FALSE(first.ok());
  parser.Feed(":1\r\n");
  EXPECT_FALSE(parser.Next(&v));
  EXPECT_EQ(parser.status(), first);
}

TEST(ReplyParser, LargeArrayFedByteByByteIsLinear) {
  std::string wire;
  Writer w(&wire, Protocol::kResp3);
  w.ArrayHeader(20000);
  for (int i = 0; i < 20000; ++i) w.Integer(i);
  Parsed p = Parse(wire, 1);
  ASSERT_OK(p.status);
  ASSERT_EQ(p.values.size(), 1u);
  EXPECT_EQ(p.values[0].elements().size(), 20000u);
  EXPECT_EQ(p.values[0].elements()[19999], Value::Integer(19999));
}

TEST(ReplyParser, PrepareWriteReadsInPlace) {
  ReplyParser parser;
  std::string wire = "$5\r\nhello\r\n";
  absl::Span<char> room = parser.PrepareWrite(wire.size());
  std::copy(wire.begin(), wire.end(), room.data());
  parser.CommitWrite(wire.size());
  Value v;
  ASSERT_TRUE(parser.Next(&v));
  EXPECT_EQ(v, Value::BulkString("hello"));
}

}  // namespace
}  // namespace embedis::resp
