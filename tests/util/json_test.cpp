#include "util/json.h"

#include <gtest/gtest.h>

using heft::util::Json;

TEST(Json, ParsesAndKeepsKeyOrder) {
  auto j = Json::parse(R"({"b": 1, "a": [true, null, 2.5, "x\u00e9"], "c": {"d": -3}})");
  ASSERT_TRUE(j) << j.error().to_string();
  ASSERT_TRUE(j->is_object());
  EXPECT_EQ(j->as_object()[0].first, "b");
  EXPECT_EQ(j->as_object()[1].first, "a");
  EXPECT_EQ(j->find("a")->as_array()[3].as_string(), "x\xc3\xa9");
  EXPECT_EQ(j->find("c")->get_int("d", 0), -3);
  EXPECT_EQ(j->dump(), R"({"b":1,"a":[true,null,2.5,"xé"],"c":{"d":-3}})");
}

TEST(Json, RejectsInvalidTextWithSourceName) {
  auto j = Json::parse("{\"a\": ", "config.json");
  ASSERT_FALSE(j);
  EXPECT_NE(j.error().to_string().find("config.json"), std::string::npos);
}

TEST(Json, EscapesControlCharacters) {
  EXPECT_EQ(Json(std::string("a\n\x01\"")).dump(), "\"a\\n\\u0001\\\"\"");
}

TEST(Json, LargeUnsignedSurvives) {
  auto j = Json::parse("18446744073709551615");
  ASSERT_TRUE(j);
  EXPECT_EQ(j->as_uint(), 18446744073709551615ull);
  EXPECT_EQ(j->dump(), "18446744073709551615");
}

TEST(Json, DoublesRoundTrip) {
  EXPECT_EQ(Json(1e-6).dump(), "1e-06");
  EXPECT_EQ(Json(10000.0).dump(), "10000.0");
  EXPECT_EQ(Json(0.1).dump(), "0.1");
}

TEST(Json, InvalidUtf8BecomesReplacementCharacter) {
  EXPECT_EQ(Json(std::string("a\xff" "b\xc3\xa9")).dump(), "\"a\xef\xbf\xbd" "b\xc3\xa9\"");
  EXPECT_EQ(Json(std::string("\xe2\x82")).dump(), "\"\xef\xbf\xbd\xef\xbf\xbd\"");
}
