#include "socketio/http_util.h"

#include <gtest/gtest.h>

#include <set>

namespace sts::socketio {
namespace {

TEST(HttpUtil, ParsesAndDecodesQuery) {
  const auto query = parse_query("EIO=4&transport=polling&t=N8hyd6w&name=a%20b+c&flag&bad=%zz");
  EXPECT_EQ(query.at("EIO"), "4");
  EXPECT_EQ(query.at("transport"), "polling");
  EXPECT_EQ(query.at("name"), "a b c");
  EXPECT_EQ(query.at("flag"), "");
  EXPECT_EQ(query.at("bad"), "%zz");
}

TEST(HttpUtil, FindsTheNamedCookieAndRefusesValuesItDidNotMake) {
  EXPECT_EQ(cookie_value("a=1; sts_affinity=Ab-_9z; b=2", "sts_affinity"), "Ab-_9z");
  EXPECT_EQ(cookie_value("sts_affinity=first;sts_affinity=second", "sts_affinity"), "first");
  EXPECT_EQ(cookie_value("other_sts_affinity=x", "sts_affinity"), "");
  EXPECT_EQ(cookie_value("sts_affinity=", "sts_affinity"), "");
  EXPECT_EQ(cookie_value("sts_affinity=a;b", "sts_affinity"), "a");
  EXPECT_EQ(cookie_value("sts_affinity=\"quoted\"", "sts_affinity"), "");
  EXPECT_EQ(cookie_value("sts_affinity=" + std::string(65, 'a'), "sts_affinity"), "");
  EXPECT_EQ(cookie_value("", "sts_affinity"), "");
}

TEST(HttpUtil, RandomIdsAreUrlSafeAndDistinct) {
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = random_id();
    ASSERT_EQ(id.size(), 20u);
    ASSERT_EQ(id.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
              std::string::npos);
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 1000u);
}

}  // namespace
}  // namespace sts::socketio
