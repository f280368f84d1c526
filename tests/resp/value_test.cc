#include "lib/resp/value.h"

#include <cmath>
#include <sstream>
#include <string>

#include "gtest/gtest.h"

namespace embedis::resp {
namespace {

TEST(Value, DefaultIsResp3Null) {
  Value v;
  EXPECT_TRUE(v.is_null());
  EXPECT_EQ(v.null_kind(), NullKind::kResp3);
  EXPECT_EQ(v, Value::Null());
}

TEST(Value, EqualityIsStructural) {
  EXPECT_EQ(Value::BulkString("a"), Value::BulkString("a"));
  EXPECT_NE(Value::BulkString("a"), Value::SimpleString("a"));
  EXPECT_NE(Value::BulkString("a"), Value::BulkString("b"));
  EXPECT_NE(Value::Integer(1), Value::Boolean(true));
  EXPECT_NE(Value::NullBulk(), Value::NullArray());
  EXPECT_NE(Value::NullBulk(), Value::Null());
  EXPECT_EQ(Value::Double(std::nan("")), Value::Double(std::nan("")));
  EXPECT_NE(Value::Verbatim("txt", "a"), Value::Verbatim("mkd", "a"));
  EXPECT_NE(Value::Array({Value::Integer(1)}), Value::Set({Value::Integer(1)}));
  EXPECT_NE(Value::Array({Value::Integer(1)}), Value::Array({Value::Integer(1), Value::Null()}));
  Value a = Value::Integer(1);
  Value b = Value::Integer(1);
  b.set_attributes({});
  EXPECT_NE(a, b);
  a.set_attributes({});
  EXPECT_EQ(a, b);
}

TEST(Value, CopiesAreDeep) {
  Value v = Value::Array({Value::BulkString("x")});
  v.set_attributes({Value::SimpleString("k"), Value::Integer(1)});
  Value copy = v;
  EXPECT_EQ(copy, v);
  copy.mutable_elements()[0].mutable_str() = "y";
  EXPECT_NE(copy, v);
  EXPECT_EQ(v.elements()[0].str(), "x");
  Value assigned;
  assigned = v;
  EXPECT_EQ(assigned, v);
  EXPECT_NE(assigned.attributes(), v.attributes());
}

TEST(Value, MapSizeCountsPairs) {
  Value m = Value::Map(
      {{Value::BulkString("a"), Value::Integer(1)}, {Value::BulkString("b"), Value::Integer(2)}});
  EXPECT_EQ(m.size(), 2u);
  EXPECT_EQ(m.elements().size(), 4u);
  EXPECT_EQ(m.elements()[2], Value::BulkString("b"));
  EXPECT_EQ(Value::MapFlat(m.elements()), m);
}

TEST(Value, DebugStringLooksLikeRedisCli) {
  EXPECT_EQ(Value::SimpleString("OK").DebugString(), "OK\n");
  EXPECT_EQ(Value::Error("ERR x").DebugString(), "(error) ERR x\n");
  EXPECT_EQ(Value::Integer(3).DebugString(), "(integer) 3\n");
  EXPECT_EQ(Value::BulkString("a\"b\n\x01").DebugString(), "\"a\\\"b\\n\\x01\"\n");
  EXPECT_EQ(Value::NullBulk().DebugString(), "(nil)\n");
  EXPECT_EQ(Value::Double(3.141).DebugString(), "(double) 3.141\n");
  EXPECT_EQ(Value::Boolean(true).DebugString(), "(true)\n");
  EXPECT_EQ(Value::BigNumber("12").DebugString(), "(big number) 12\n");
  EXPECT_EQ(Value::Array({}).DebugString(), "(empty array)\n");
  EXPECT_EQ(Value::Map({}).DebugString(), "(empty hash)\n");
  EXPECT_EQ(
      Value::Array({Value::Integer(1), Value::Array({Value::Integer(2), Value::BulkString("x")}),
                    Value::Array({})})
          .DebugString(),
      "1) (integer) 1\n"
      "2) 1) (integer) 2\n"
      "   2) \"x\"\n"
      "3) (empty array)\n");
  EXPECT_EQ(Value::Map({{Value::BulkString("server"), Value::BulkString("redis")},
                        {Value::BulkString("proto"), Value::Integer(3)}})
                .DebugString(),
            "1# \"server\" => \"redis\"\n"
            "2# \"proto\" => (integer) 3\n");
  EXPECT_EQ(Value::Set({Value::Integer(0)}).DebugString(), "1~ (integer) 0\n");
  std::ostringstream os;
  os << Value::Integer(1);
  EXPECT_EQ(os.str(), "(integer) 1\n");
}

TEST(Value, TypeNames) {
  EXPECT_EQ(TypeName(Type::kVerbatim), "verbatim string");
  EXPECT_EQ(TypeName(Type::kMap), "map");
}

}  // namespace
}  // namespace embedis::resp
