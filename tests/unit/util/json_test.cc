#include "util/json.h"

#include <gtest/gtest.h>

namespace sts::util {
namespace {

TEST(Json, ParsesEveryValueType) {
  const auto value = parse_json(R"({"a":[1,-2,3.5,true,false,null,"x"],"b":{"c":18446744073709551615}})");
  ASSERT_TRUE(value) << value.error();
  EXPECT_EQ((*value)["a"][0], 1);
  EXPECT_EQ((*value)["a"][1], -2);
  EXPECT_DOUBLE_EQ((*value)["a"][2].get<double>(), 3.5);
  EXPECT_EQ((*value)["a"][6], "x");
  EXPECT_EQ((*value)["b"]["c"].get<std::uint64_t>(), 18446744073709551615ULL);
}

TEST(Json, ReadsAnIntegerBeyond64BitsAsADouble) {
  const auto json = parse_json(R"({"max_inflight": 1000000000000000000000000000000})");
  ASSERT_TRUE(json) << json.error();
  EXPECT_TRUE((*json)["max_inflight"].is_number_float());
  EXPECT_DOUBLE_EQ((*json)["max_inflight"].get<double>(), 1e30);
  EXPECT_FALSE(parse_json(R"({"n": 01})"));  // still malformed
  EXPECT_FALSE(parse_json(R"({"n": 1e})"));
}

TEST(Json, ABigIntegerDoesNotLiftTheNestingLimit) {
  const std::string deep =
      R"({"n": 1000000000000000000000000000000, "x": )" + std::string(5000, '[') + std::string(5000, ']') + "}";
  EXPECT_FALSE(parse_json(deep));
  const std::string quoted = R"({"n": 1000000000000000000000000000000, "x": ")" + std::string(5000, '[') + "\"}";
  EXPECT_TRUE(parse_json(quoted));  // brackets inside a string are text
}

TEST(Json, ReportsInvalidText) {
  EXPECT_FALSE(parse_json("{"));
  EXPECT_FALSE(parse_json(R"(["a",])"));
  EXPECT_FALSE(parse_json("\"\xff\""));  // invalid UTF-8
  EXPECT_FALSE(parse_json(""));
}

TEST(Json, EscapesWhatJsonRequires) {
  const Json value = std::string("q\"b\\n\nt\tc\x01 e\xc3\xa9");
  EXPECT_EQ(to_json(value), R"("q\"b\\n\nt\tc\u0001 eé")");
}

TEST(Json, EscapesInsideLongCleanRuns) {
  std::string text(1000, 'a');
  text[517] = '"';
  const std::string written = to_json(Json(text));
  EXPECT_EQ(written.size(), text.size() + 3);
  EXPECT_EQ(written.substr(517, 4), R"(a\"a)");
}

TEST(Json, MatchesNlohmannOnStringsOfEveryLengthAndEscapePosition) {
  for (std::size_t size = 0; size < 300; ++size) {
    for (const std::size_t special : {std::size_t{0}, size / 2, size > 0 ? size - 1 : 0, size + 1}) {
      std::string text(size, 'B');
      if (special < size) text[special] = special % 2 ? '\\' : '\x1f';
      ASSERT_EQ(to_json(Json(text)), Json(text).dump()) << size << " " << special;
    }
  }
}

TEST(Json, RoundTripsThroughNlohmann) {
  const Json value = {{"s", "t\u00e9xt"}, {"n", {1, 2.25, -3}}, {"o", {{"k", nullptr}}}, {"b", true}};
  const auto parsed = parse_json(to_json(value));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed, value);
  EXPECT_EQ(Json::parse(to_json(value)), value);
}

TEST(Json, ParsesInPlaceWhenTheBytesPastTheEndMayBeRead) {
  // What follows the text is read, never used: garbage there changes nothing.
  const std::string text = R"(["fragment:data",{"a":"x","n":[1,2]}])";
  std::string padded = text + std::string(kJsonPadding, '}');
  const std::string_view view(padded.data(), text.size());
  const auto in_place = parse_json(view, kJsonPadding);
  ASSERT_TRUE(in_place) << in_place.error();
  EXPECT_EQ(*in_place, *parse_json(text));
  padded[text.size() - 1] = '}';  // now truncated: an error, whatever follows
  EXPECT_FALSE(parse_json(view, kJsonPadding));
}

TEST(Json, SpliceWritesOneValueInPlaceOfTheJsonOne) {
  const Json value = {{"audio", {{"data", ""}, {"rate", 48000}}}, {"data", ""}, {"list", {"", ""}}};
  const JsonSplice splice{&value["audio"]["data"], [](std::string& out) { out += R"("spliced")"; }};
  std::string out;
  write_json(value, out, &splice);
  // Only the node at that address: equal values elsewhere are written as they are.
  EXPECT_EQ(out, R"({"audio":{"data":"spliced","rate":48000},"data":"","list":["",""]})");
}

TEST(Json, WritesNonFiniteNumbersAsNull) {
  EXPECT_EQ(to_json(Json(std::numeric_limits<double>::infinity())), "null");
  EXPECT_EQ(to_json(Json(std::nan(""))), "null");
}

}  // namespace
}  // namespace sts::util
