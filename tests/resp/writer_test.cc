#include "lib/resp/writer.h"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "lib/resp/reply_parser.h"
#include "lib/resp/value.h"

namespace embedis::resp {
namespace {

std::string Write2(void (*f)(Writer&)) {
  std::string out;
  Writer w(&out, Protocol::kResp2);
  f(w);
  return out;
}

std::string Write3(void (*f)(Writer&)) {
  std::string out;
  Writer w(&out, Protocol::kResp3);
  f(w);
  return out;
}

TEST(Writer, CommandIsArrayOfBulkStrings) {
  std::string out = "prefix";
  AppendCommand(&out, {"SET", "key", ""});
  EXPECT_EQ(out, "prefix*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$0\r\n\r\n");
  std::vector<std::string_view> argv = {"PING"};
  out.clear();
  Writer(&out).Command(argv);
  EXPECT_EQ(out, "*1\r\n$4\r\nPING\r\n");
}

TEST(Writer, ScalarsAreTheSameInBothProtocols) {
  auto f = [](Writer& w) {
    w.SimpleString("OK");
    w.Ok();
    w.Error("ERR bad");
    w.Integer(-42);
    w.Integer(std::numeric_limits<int64_t>::min());
    w.BulkString(std::string_view("a\0b", 3));
    w.ArrayHeader(2);
  };
  std::string expected =
      std::string("+OK\r\n+OK\r\n-ERR bad\r\n:-42\r\n:-9223372036854775808\r\n") +
      std::string("$3\r\na\0b\r\n*2\r\n", 13);
  EXPECT_EQ(Write2(f), expected);
  EXPECT_EQ(Write3(f), expected);
}

TEST(Writer, Resp3Types) {
  auto f = [](Writer& w) {
    w.Null();
    w.NullArray();
    w.MapHeader(2);
    w.SetHeader(3);
    w.PushHeader(1);
    w.AttributeHeader(1);
    w.Double(1.5);
    w.Double(0.1);
    w.Double(-std::numeric_limits<double>::infinity());
    w.Double(std::nan(""));
    w.Boolean(true);
    w.Boolean(false);
    w.BigNumber("-123456789012345678901234567890");
    w.Verbatim("txt", "hi");
    w.BlobError("SYNTAX x");
  };
  EXPECT_EQ(Write3(f),
            "_\r\n_\r\n%2\r\n~3\r\n>1\r\n|1\r\n,1.5\r\n,0.1\r\n,-inf\r\n,nan\r\n#t\r\n#f\r\n"
            "(-123456789012345678901234567890\r\n=6\r\ntxt:hi\r\n!8\r\nSYNTAX x\r\n");
}

TEST(Writer, Resp2DowngradesLikeRedis) {
  auto f = [](Writer& w) {
    w.Null();
    w.NullArray();
    w.MapHeader(2);
    w.SetHeader(3);
    w.PushHeader(1);
    w.AttributeHeader(1);  // nothing in RESP2
    w.Double(1.5);
    w.Double(std::numeric_limits<double>::infinity());
    w.Boolean(true);
    w.Boolean(false);
    w.BigNumber("123");
    w.Verbatim("txt", "hi");
    w.BlobError("SYNTAX x");
  };
  EXPECT_EQ(Write2(f),
            "$-1\r\n*-1\r\n*4\r\n*3\r\n*1\r\n$3\r\n1.5\r\n$3\r\ninf\r\n:1\r\n:0\r\n$3\r\n123\r\n"
            "$2\r\nhi\r\n-SYNTAX x\r\n");
}

TEST(Writer, SimpleStringsAndErrorsCannotBreakTheProtocol) {
  std::string out;
  Writer w(&out);
  w.Error("ERR a\r\nb");
  w.SimpleString("x\ny");
  EXPECT_EQ(out, "-ERR a  b\r\n+x y\r\n");
}

TEST(Writer, WriteValueResp3KeepsNullKindsAndAttributes) {
  Value v = Value::Array({Value::NullBulk(), Value::NullArray(), Value::Null()});
  v.set_attributes({Value::SimpleString("a"), Value::Integer(1)});
  EXPECT_EQ(ToResp(v, Protocol::kResp3), "|1\r\n+a\r\n:1\r\n*3\r\n$-1\r\n*-1\r\n_\r\n");
  EXPECT_EQ(ToResp(v, Protocol::kResp2), "*3\r\n$-1\r\n*-1\r\n$-1\r\n");
}

TEST(Writer, WriteValueResp2MapIsFlatArray) {
  Value m = Value::Map(
      {{Value::BulkString("f"), Value::Double(2)}, {Value::BulkString("g"), Value::Boolean(true)}});
  EXPECT_EQ(ToResp(m, Protocol::kResp2), "*4\r\n$1\r\nf\r\n$1\r\n2\r\n$1\r\ng\r\n:1\r\n");
  EXPECT_EQ(ToResp(m, Protocol::kResp3), "%2\r\n$1\r\nf\r\n,2\r\n$1\r\ng\r\n#t\r\n");
}

TEST(Writer, FormatsIntegersAndDoubles) {
  char buf[40];
  for (int64_t v : {int64_t{0}, int64_t{7}, int64_t{-1}, int64_t{1234567890123},
                    std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min()}) {
    EXPECT_EQ(std::string(buf, FormatInt64(v, buf)), std::to_string(v));
  }
  EXPECT_EQ(std::string(buf, FormatDouble(0.1, buf)), "0.1");
  EXPECT_EQ(std::string(buf, FormatDouble(3, buf)), "3");
  EXPECT_EQ(std::string(buf, FormatDouble(-0.0, buf)), "-0");
  EXPECT_EQ(std::string(buf, FormatDouble(1e21, buf)), "1e+21");
  EXPECT_EQ(std::string(buf, FormatDouble(-std::numeric_limits<double>::max(), buf)),
            "-1.7976931348623157e+308");
}

TEST(Writer, DoublesRoundTripExactly) {
  for (double d : {0.1, 1.0 / 3, 5e-324, 1e300, -2.5e-10, 123456789.125}) {
    std::string wire;
    Writer(&wire, Protocol::kResp3).Double(d);
    ReplyParser parser;
    parser.Feed(wire);
    Value v;
    ASSERT_TRUE(parser.Next(&v)) << wire;
    EXPECT_EQ(v.dbl(), d) << wire;
  }
}

}  // namespace
}  // namespace embedis::resp
